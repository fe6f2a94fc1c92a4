//! SMS: publishing to a phone number, `sms` subscriptions' endpoints, and the opt-out list.
//! Nothing is sent (the emulator has no SMS gateway): a publish to a valid number is accepted
//! and answered with a message id. Recipients opt out by replying STOP, which cannot happen
//! here, so no number is ever opted out and the opt-out list is empty.
use super::invalid;
use crate::error::ApiError;

/// SNS's limit on an SMS message: 1600 characters (split into parts when sent).
const MAX_SMS_CHARACTERS: usize = 1600;

/// Whether `number` is in E.164 form: `+`, then up to 15 digits, not starting with 0.
pub fn is_e164(number: &str) -> bool {
    let Some(digits) = number.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

/// A Publish to `number`: checked as SNS does, then accepted (nothing is sent).
pub fn check_publish(number: &str, message: &str) -> Result<(), ApiError> {
    if !is_e164(number) {
        return Err(invalid(format!(
            "Invalid parameter: PhoneNumber Reason: {number} does not meet the E164 format"
        )));
    }
    if message.chars().count() > MAX_SMS_CHARACTERS {
        return Err(invalid(format!(
            "Invalid parameter: Message Reason: Message must be less than {MAX_SMS_CHARACTERS} characters long"
        )));
    }
    Ok(())
}

/// Whether an `sms` subscription's endpoint is a phone number: E.164, where single `-`, `.`
/// or `/` may separate groups of digits (`+15/55-123.4567`), as SNS accepts.
fn is_sms_endpoint(endpoint: &str) -> bool {
    let Some(rest) = endpoint.strip_prefix('+') else {
        return false;
    };
    let groups_ok = rest
        .split(['-', '.', '/'])
        .all(|group| !group.is_empty() && group.bytes().all(|b| b.is_ascii_digit()));
    let digits: String = rest.chars().filter(char::is_ascii_digit).collect();
    groups_ok && is_e164(&format!("+{digits}"))
}

/// The endpoint of an `sms` subscription.
pub fn check_endpoint(endpoint: &str) -> Result<(), ApiError> {
    match is_sms_endpoint(endpoint) {
        true => Ok(()),
        false => Err(invalid(format!("Invalid SMS endpoint: {endpoint}"))),
    }
}

/// The phone number of CheckIfPhoneNumberIsOptedOut / OptInPhoneNumber.
pub fn check_number(number: &str) -> Result<(), ApiError> {
    match is_e164(number) {
        true => Ok(()),
        false => Err(invalid(format!(
            "Invalid parameter: PhoneNumber Reason: input incorrectly formatted: {number}"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_must_be_e164() {
        assert!(is_e164("+15551234567"));
        assert!(is_e164("+447428545375"));
        for bad in [
            "15551234567",
            "NAA+15551234567",
            "+15--551234567",
            "+15551234567.",
            "/+1555",
            "+0123",
            "+1",
            "+1234567890123456",
        ] {
            assert!(!is_e164(bad), "{bad}");
        }
        assert!(check_publish("+15551234567", &"a".repeat(1601)).is_err());
        assert!(check_publish("+15551234567", &"a".repeat(1600)).is_ok());
        assert_eq!(
            check_endpoint("+15--551234567").unwrap_err().message,
            "Invalid SMS endpoint: +15--551234567"
        );
        assert!(check_endpoint("+15/55-123.4567").is_ok());
        assert!(check_endpoint("+15551234567.").is_err());
        assert!(check_endpoint("/+15551234567").is_err());
    }
}
