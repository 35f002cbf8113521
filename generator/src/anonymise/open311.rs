//! The Open311 GeoReport v2 export of anonymised appeals (`requests.json`): one service
//! request per published row, built only from anonymised values. It streams; it never
//! sees raw data. The row → request mapping (status, service code and name) is the server's
//! (`vidkryto_search::server::open311`), so the file and the endpoints agree.

use std::io::Write;

use serde::Serialize;
use vidkryto_search::server::open311 as georeport;

/// One GeoReport v2 service request.
#[derive(Debug, Serialize)]
pub struct ServiceRequest<'a> {
    pub service_request_id: &'a str,
    /// `open` or `closed`; left out when the row has no status (never guessed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    pub service_code: String,
    pub service_name: &'a str,
    /// ISO 8601; the generalised date at midnight UTC.
    pub requested_datetime: String,
    /// The street only.
    pub address: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lat: Option<f64>,
    #[serde(rename = "long", skip_serializing_if = "Option::is_none")]
    pub long: Option<f64>,
    /// The redacted appeal text.
    pub description: &'a str,
}

/// Appends one request as an array element, as `Writer::write` writes it (without the
/// comma before it).
pub fn element(request: &ServiceRequest<'_>, out: &mut Vec<u8>) -> std::io::Result<()> {
    out.push(b'\n');
    serde_json::to_writer(&mut *out, request)?;
    Ok(())
}

/// Writes a JSON array one request at a time.
pub struct Writer<W: Write> {
    out: W,
    first: bool,
}

impl<W: Write> Writer<W> {
    pub fn new(mut out: W) -> std::io::Result<Self> {
        out.write_all(b"[")?;
        Ok(Writer { out, first: true })
    }

    pub fn write(&mut self, request: &ServiceRequest<'_>) -> std::io::Result<()> {
        if !self.first {
            self.out.write_all(b",")?;
        }
        self.first = false;
        self.out.write_all(b"\n")?;
        serde_json::to_writer(&mut self.out, request)?;
        Ok(())
    }

    /// Writes requests serialised by `element` and joined by commas (a chunk formatted on
    /// another thread).
    pub fn write_elements(&mut self, elements: &[u8]) -> std::io::Result<()> {
        if elements.is_empty() {
            return Ok(());
        }
        if !self.first {
            self.out.write_all(b",")?;
        }
        self.first = false;
        self.out.write_all(elements)
    }

    pub fn finish(mut self) -> std::io::Result<W> {
        self.out.write_all(b"\n]\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Where a request's values are in a published row (by the published column names).
pub struct Columns {
    id: Option<usize>,
    status: Option<usize>,
    category: Option<usize>,
    date: Option<usize>,
    street: Option<usize>,
    lat: Option<usize>,
    lon: Option<usize>,
    text: Option<usize>,
}

impl Columns {
    pub fn new(names: &[String]) -> Columns {
        let field = |name: &str| names.iter().position(|n| n == name);
        Columns {
            id: field("id"),
            status: field("status"),
            category: field("category"),
            date: field("date"),
            street: field("street"),
            lat: field("lat"),
            lon: field("lon"),
            text: field("text"),
        }
    }

    /// The request of a published row: built from anonymised values only.
    pub fn request<'r>(&self, row: &'r [String]) -> ServiceRequest<'r> {
        let get = |f: Option<usize>| f.and_then(|i| row.get(i)).map_or("", String::as_str);
        let num = |f: Option<usize>| get(f).parse::<f64>().ok();
        ServiceRequest {
            service_request_id: get(self.id),
            status: georeport::status(get(self.status)),
            service_code: georeport::service_code(get(self.category)),
            service_name: georeport::service_name(get(self.category)),
            requested_datetime: format!("{}T00:00:00Z", get(self.date)),
            address: get(self.street),
            lat: num(self.lat),
            long: num(self.lon),
            description: get(self.text),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn array_is_valid_json() {
        let mut w = Writer::new(Vec::new()).unwrap();
        for id in ["a", "b"] {
            w.write(&ServiceRequest {
                service_request_id: id,
                status: Some("open"),
                service_code: georeport::service_code("Відсутність ГВП"),
                service_name: "Відсутність ГВП",
                requested_datetime: "2013-09-30T00:00:00Z".into(),
                address: "вулиця Дубровицька",
                lat: Some(50.5),
                long: Some(30.5),
                description: "",
            })
            .unwrap();
        }
        let bytes = w.finish().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(v[1]["service_request_id"], "b");
        assert_eq!(v[0]["long"], 30.5);
    }
}
