//! A small HTTP/1.1 server on 127.0.0.1 for the pull tests: each path answers through a
//! handler that sees the request's headers and how often the path was asked for, and may
//! answer, or hang to make the client time out. Connection: close on every answer.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A request as a handler sees it.
pub struct Request {
    pub path: String,
    /// Lower-case header names.
    pub headers: HashMap<String, String>,
    /// How many times this path was asked for before (0 for the first).
    pub count: usize,
}

/// An answer.
pub enum Reply {
    Send {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Read the request, then say nothing for this long.
    Hang(Duration),
}

impl Reply {
    pub fn ok(content_type: &str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Send {
            status: 200,
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }

    pub fn status(status: u16) -> Reply {
        Reply::Send {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Reply {
        if let Reply::Send { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

type Handler = Box<dyn Fn(&Request) -> Reply + Send + Sync>;

/// The running server; routes can be replaced while it runs.
#[derive(Clone)]
pub struct Server {
    pub addr: SocketAddr,
    routes: Arc<Mutex<HashMap<String, Handler>>>,
    counts: Arc<Mutex<HashMap<String, usize>>>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let server = Server {
            addr: listener.local_addr().expect("local address"),
            routes: Arc::default(),
            counts: Arc::default(),
        };
        let shared = server.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let shared = shared.clone();
                std::thread::spawn(move || shared.answer(stream));
            }
        });
        server
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// Sets what `path` (with its query string) answers.
    pub fn route(&self, path: &str, handler: impl Fn(&Request) -> Reply + Send + Sync + 'static) {
        self.routes
            .lock()
            .unwrap()
            .insert(path.to_string(), Box::new(handler));
    }

    /// How many times `path` was asked for.
    pub fn hits(&self, path: &str) -> usize {
        self.counts.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    fn answer(&self, stream: TcpStream) {
        let mut reader = BufReader::new(match stream.try_clone() {
            Ok(s) => s,
            Err(_) => return,
        });
        let mut line = String::new();
        if reader.read_line(&mut line).is_err() {
            return;
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mut headers = HashMap::new();
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).is_err() || header.trim().is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_string());
            }
        }
        let count = {
            let mut counts = self.counts.lock().unwrap();
            let c = counts.entry(path.clone()).or_insert(0);
            *c += 1;
            *c - 1
        };
        let request = Request {
            path: path.clone(),
            headers,
            count,
        };
        let reply = match self.routes.lock().unwrap().get(&path) {
            Some(handler) => handler(&request),
            None => Reply::status(404),
        };
        let mut stream = stream;
        match reply {
            Reply::Hang(time) => std::thread::sleep(time),
            Reply::Send {
                status,
                headers,
                body,
            } => {
                let mut head = format!("HTTP/1.1 {status} X\r\nConnection: close\r\n");
                if status != 304 {
                    head.push_str(&format!("Content-Length: {}\r\n", body.len()));
                }
                for (name, value) in headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("\r\n");
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&body);
            }
        }
    }
}
