//! The service's limits, on a server with short ones: a request head that never finishes
//! and an idle keep-alive connection are closed, a client that stops reading is cut off,
//! and connections over the cap get a 503 instead of a queue.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use vidkryto_search::server::conn::Limits;

use super::site_portal;

const CAP: usize = 6;

fn limited() -> SocketAddr {
    static ADDR: OnceLock<SocketAddr> = OnceLock::new();
    *ADDR.get_or_init(|| {
        let dir = site_portal().to_path_buf();
        let (tx, rx) = std::sync::mpsc::channel();
        let limits = Limits {
            header_read: Duration::from_millis(800),
            write: Duration::from_millis(1500),
            max_connections: CAP,
            ..Limits::default()
        };
        std::thread::spawn(move || {
            vidkryto_search::server::serve_with(
                &dir,
                "127.0.0.1:0".parse().unwrap(),
                limits,
                |a| {
                    tx.send(a).unwrap();
                },
            )
            .unwrap();
        });
        rx.recv().unwrap()
    })
}

/// How long until the server closes `stream` (reads until EOF or an error).
fn closed_after(mut stream: TcpStream) -> Duration {
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let started = Instant::now();
    let mut sink = [0u8; 65536];
    loop {
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => return started.elapsed(),
            Ok(_) => {}
        }
    }
}

// One test, not three: the cap would otherwise count the other tests' connections.
#[test]
fn slow_idle_stalled_and_surplus_connections_are_bounded() {
    let addr = limited();
    // Slowloris: a head that never ends is closed after the header-read timeout.
    let mut slow = TcpStream::connect(addr).unwrap();
    slow.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
    let waited = closed_after(slow);
    assert!(waited < Duration::from_secs(4), "slowloris held {waited:?}");

    // An idle keep-alive connection is closed by the same timer.
    let mut idle = TcpStream::connect(addr).unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let waited = closed_after(idle);
    assert!(
        waited < Duration::from_secs(4),
        "idle connection held {waited:?}"
    );

    // A client that asks for 48 MB (more than loopback's socket buffers hold) and reads
    // nothing is cut off by the write timeout.
    let huge = site_portal().join("data/huge.bin");
    std::fs::write(&huge, vec![7u8; 48 << 20]).unwrap();
    let mut stalled = TcpStream::connect(addr).unwrap();
    stalled
        .write_all(b"GET /data/huge.bin HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(3500));
    let mut received = Vec::new();
    stalled
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = stalled.read_to_end(&mut received);
    let _ = std::fs::remove_file(&huge);
    assert!(
        received.len() < 48 << 20,
        "the stalled download was kept open ({} bytes)",
        received.len()
    );

    // Connections over the cap get a 503 and are closed; the ones under it are served.
    let held: Vec<TcpStream> = (0..CAP)
        .map(|_| {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
            s
        })
        .collect();
    std::thread::sleep(Duration::from_millis(100));
    let mut extra = TcpStream::connect(addr).unwrap();
    extra
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut answer = String::new();
    let _ = extra.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"code\":\"busy\""), "{answer}");
    drop(held);
    // Once the held ones time out, the server serves again.
    std::thread::sleep(Duration::from_millis(1200));
    let mut fresh = TcpStream::connect(addr).unwrap();
    fresh
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut answer = String::new();
    fresh
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let _ = fresh.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
