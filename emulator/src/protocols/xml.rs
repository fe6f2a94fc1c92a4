//! Small XML helpers: a string writer with escaping and a tolerant mini-DOM for request bodies.
use quick_xml::events::Event;
use quick_xml::Reader;

/// Appends XML to a string; element text is always escaped.
#[derive(Default)]
pub struct XmlWriter {
    out: String,
}

impl XmlWriter {
    pub fn new() -> Self {
        XmlWriter {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        }
    }

    /// Opens `<name>` (with an optional `xmlns`).
    pub fn open(&mut self, name: &str, xmlns: Option<&str>) -> &mut Self {
        self.out.push('<');
        self.out.push_str(name);
        if let Some(ns) = xmlns {
            self.out.push_str(" xmlns=\"");
            self.out.push_str(&quick_xml::escape::escape(ns));
            self.out.push('"');
        }
        self.out.push('>');
        self
    }

    pub fn close(&mut self, name: &str) -> &mut Self {
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push('>');
        self
    }

    /// Writes `<name>text</name>`.
    pub fn elem(&mut self, name: &str, text: &str) -> &mut Self {
        self.open(name, None);
        self.out.push_str(&quick_xml::escape::escape(text));
        self.close(name)
    }

    /// Escaped text inside the element being written.
    pub fn text(&mut self, text: &str) -> &mut Self {
        self.out.push_str(&quick_xml::escape::escape(text));
        self
    }

    pub fn finish(self) -> String {
        self.out
    }
}

/// One parsed XML element: local name, text and child elements.
#[derive(Debug, Default, Clone)]
pub struct Element {
    pub name: String,
    pub text: String,
    pub children: Vec<Element>,
}

impl Element {
    /// The first child with this local name.
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Every child with this local name.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The text of the first child with this name.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.as_str())
    }
}

/// Request documents (Delete, CompleteMultipartUpload, ...) are a few levels deep; elements are
/// dropped recursively, so depth is bounded.
const MAX_DEPTH: usize = 64;

/// Parses a whole document into its root element; `Err` carries a message for the caller.
pub fn parse(body: &[u8]) -> Result<Element, String> {
    let mut reader = Reader::from_reader(body);
    let mut stack: Vec<Element> = Vec::new();
    let mut buf = Vec::new();
    loop {
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| format!("malformed XML at byte {}: {e}", reader.buffer_position()))?;
        match event {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("XML nested deeper than {MAX_DEPTH} elements"));
                }
                stack.push(new_element(start.local_name().as_ref()));
            }
            Event::Empty(start) => {
                let element = new_element(start.local_name().as_ref());
                match stack.last_mut() {
                    Some(parent) => parent.children.push(element),
                    None => return Ok(element),
                }
            }
            Event::Text(text) => {
                let text = text
                    .unescape()
                    .map_err(|e| format!("malformed XML text: {e}"))?;
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&text);
                }
            }
            Event::CData(data) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&data));
                }
            }
            Event::End(_) => {
                let done = stack.pop().ok_or("unbalanced closing tag")?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(done),
                    None => return Ok(done),
                }
            }
            Event::Eof => return Err("unexpected end of XML document".to_string()),
            _ => {}
        }
        buf.clear();
    }
}

fn new_element(name: &[u8]) -> Element {
    Element {
        name: String::from_utf8_lossy(name).into_owned(),
        ..Element::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_nested_elements() {
        let doc = parse(
            b"<Delete xmlns=\"x\"><Object><Key>a&amp;b</Key></Object><Quiet>true</Quiet></Delete>",
        )
        .unwrap();
        assert_eq!(doc.name, "Delete");
        assert_eq!(doc.child("Object").unwrap().child_text("Key"), Some("a&b"));
        assert_eq!(doc.child_text("Quiet"), Some("true"));
    }

    #[test]
    fn rejects_malformed_xml() {
        assert!(parse(b"<a><b></a>").is_err());
        assert!(parse(b"<a>").is_err());
        assert!(parse(b"").is_err());
    }
}
