//! The parts of a SAML 2.0 response AssumeRoleWithSAML answers with (STS API Reference,
//! AssumeRoleWithSAML): the assertion's issuer, its subject (`NameID` and its format), the
//! recipient of its subject confirmation, and its attributes — among them
//! `https://aws.amazon.com/SAML/Attributes/RoleSessionName`, the session's name. Elements are
//! matched by local name, whatever namespace prefix the identity provider uses. The signature is
//! not verified (the emulator trusts every identity provider).
use std::collections::BTreeMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine;
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

/// The attribute naming the role session.
pub const ROLE_SESSION_NAME: &str = "https://aws.amazon.com/SAML/Attributes/RoleSessionName";

/// What AssumeRoleWithSAML reads from an assertion.
#[derive(Debug, Default, PartialEq)]
pub struct Assertion {
    /// The `Issuer` of the `Assertion` (not of the enclosing `Response`).
    pub issuer: Option<String>,
    /// The text of `Subject/NameID`.
    pub subject: Option<String>,
    /// The `Format` attribute of `Subject/NameID`.
    pub subject_format: Option<String>,
    /// The `Recipient` of `SubjectConfirmationData`.
    pub recipient: Option<String>,
    /// Every `Attribute`'s `Name` with its `AttributeValue`s, in document order.
    pub attributes: BTreeMap<String, Vec<String>>,
}

impl Assertion {
    /// The first value of attribute `name`.
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.get(name)?.first().map(String::as_str)
    }
}

/// The assertion in a base64-encoded SAML response, or `None` if it is not one.
pub fn parse(encoded: &str) -> Option<Assertion> {
    let compact: String = encoded.split_whitespace().collect();
    let bytes = BASE64.decode(compact).ok()?;
    let xml = String::from_utf8(bytes).ok()?;
    parse_xml(&xml)
}

fn parse_xml(xml: &str) -> Option<Assertion> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut assertion = Assertion::default();
    let mut path: Vec<String> = Vec::new();
    let mut attribute: Option<String> = None;
    let mut seen_assertion = false;
    loop {
        match reader.read_event().ok()? {
            Event::Start(e) => {
                let name = local_name(&e);
                seen_assertion |= name == "Assertion";
                open(&mut assertion, &mut attribute, &name, &e);
                path.push(name);
            }
            Event::Empty(e) => open(&mut assertion, &mut attribute, &local_name(&e), &e),
            Event::End(_) => {
                let closed = path.pop();
                attribute = attribute.filter(|_| closed.as_deref() != Some("Attribute"));
            }
            Event::Text(t) => {
                let text = t.unescape().ok()?.into_owned();
                text_of(&mut assertion, &path, attribute.as_deref(), text);
            }
            Event::Eof => break,
            _ => {}
        }
    }
    seen_assertion.then_some(assertion)
}

fn local_name(e: &BytesStart) -> String {
    String::from_utf8_lossy(e.local_name().as_ref()).into_owned()
}

/// The value of the attribute of `e` whose local name is `name`.
fn attr(e: &BytesStart, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name.as_bytes())
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

/// Records what an opening (or empty) element carries in its attributes.
fn open(assertion: &mut Assertion, attribute: &mut Option<String>, name: &str, e: &BytesStart) {
    match name {
        "Attribute" => {
            let key = attr(e, "Name");
            if let Some(key) = &key {
                assertion.attributes.entry(key.clone()).or_default();
            }
            *attribute = key;
        }
        "NameID" => assertion.subject_format = attr(e, "Format"),
        "SubjectConfirmationData" => assertion.recipient = attr(e, "Recipient"),
        _ => {}
    }
}

/// Records the text of the element at the end of `path`.
fn text_of(assertion: &mut Assertion, path: &[String], attribute: Option<&str>, text: String) {
    let parent = path.len().checked_sub(2).map(|i| path[i].as_str());
    match (parent, path.last().map(String::as_str)) {
        (Some("Assertion"), Some("Issuer")) => assertion.issuer = Some(text),
        (Some("Subject"), Some("NameID")) => assertion.subject = Some(text),
        (Some("Attribute"), Some("AttributeValue")) => {
            if let Some(name) = attribute {
                assertion
                    .attributes
                    .entry(name.to_string())
                    .or_default()
                    .push(text);
            }
        }
        _ => {}
    }
}

/// The `SubjectType` STS answers: the `NameID` format without the SAML 2.0 name-id prefix
/// (`…:nameid-format:persistent` is `persistent`), any other format as it is.
pub fn subject_type(format: &str) -> String {
    format
        .strip_prefix("urn:oasis:names:tc:SAML:2.0:nameid-format:")
        .unwrap_or(format)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESPONSE: &str = r#"<?xml version="1.0"?>
<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">
  <saml:Issuer>https://idp.example/outer</saml:Issuer>
  <saml:Assertion>
    <saml:Issuer>https://idp.example/</saml:Issuer>
    <saml:Subject>
      <saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:transient">alice@example.com</saml:NameID>
      <saml:SubjectConfirmation><saml:SubjectConfirmationData Recipient="https://signin.aws.amazon.com/saml"/></saml:SubjectConfirmation>
    </saml:Subject>
    <saml:AttributeStatement>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">
        <saml:AttributeValue xmlns:xs="http://www.w3.org/2001/XMLSchema">arn:aws:iam::123456789012:saml-provider/idp,arn:aws:iam::123456789012:role/dev</saml:AttributeValue>
      </saml:Attribute>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/RoleSessionName">
        <saml:AttributeValue>alice &amp; co</saml:AttributeValue>
      </saml:Attribute>
    </saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>"#;

    #[test]
    fn the_assertion_parts_are_read_by_local_name() {
        let assertion = parse(&BASE64.encode(RESPONSE)).unwrap();
        assert_eq!(assertion.issuer.as_deref(), Some("https://idp.example/"));
        assert_eq!(assertion.subject.as_deref(), Some("alice@example.com"));
        assert_eq!(
            assertion.recipient.as_deref(),
            Some("https://signin.aws.amazon.com/saml")
        );
        assert_eq!(assertion.attribute(ROLE_SESSION_NAME), Some("alice & co"));
        assert_eq!(
            subject_type(assertion.subject_format.as_deref().unwrap()),
            "transient"
        );
        assert_eq!(subject_type("urn:example:custom"), "urn:example:custom");
    }

    #[test]
    fn what_is_not_a_saml_assertion_is_refused() {
        assert!(parse("not base64!").is_none());
        assert!(parse(&BASE64.encode("<a><b/></a>")).is_none());
        assert!(parse(&BASE64.encode("<Assertion><unclosed></Assertion>")).is_none());
    }
}
