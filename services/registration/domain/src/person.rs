//! The authorized persons of Atameken who register exporters in REX (REG-13).

use serde_json::{Map, Value, json};

/// An authorized person as the list keeps them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthorizedPerson {
    pub person_id: String,
    pub full_name: String,
    pub position: String,
    pub branch_code: String,
    pub phone: String,
    pub email: String,
    pub active: bool,
}

impl AuthorizedPerson {
    /// REG-13: whether anything the Ministry forwards to Norway and Switzerland differs.
    pub fn differs_from(&self, other: &AuthorizedPerson) -> bool {
        (
            &self.full_name,
            &self.position,
            &self.branch_code,
            &self.phone,
            &self.email,
            self.active,
        ) != (
            &other.full_name,
            &other.position,
            &other.branch_code,
            &other.phone,
            &other.email,
            other.active,
        )
    }

    /// REG-13: the facts of the notice to the Ministry when the list changes (`added`: a new
    /// person; otherwise an update).
    pub fn change_facts(&self, added: bool) -> Map<String, Value> {
        match json!({
            "person_id": self.person_id, "full_name": self.full_name, "position": self.position,
            "regional_branch_code": self.branch_code, "phone": self.phone, "email": self.email,
            "active": self.active.to_string(), "change": if added { "added" } else { "updated" },
        }) {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }
}

/// REG-13: a change of the list is notified only when it changes what is forwarded.
pub fn list_changed(before: Option<&AuthorizedPerson>, after: &AuthorizedPerson) -> bool {
    before.is_none_or(|b| b.differs_from(after))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reg_13_only_a_change_of_what_is_forwarded_is_notified() {
        let p = AuthorizedPerson {
            person_id: "ap-1".into(),
            full_name: "Aigerim Sadykova".into(),
            position: "Registrar".into(),
            branch_code: "002".into(),
            phone: "+7 727 123 4567".into(),
            email: "a@example.kz".into(),
            active: true,
        };
        assert!(list_changed(None, &p), "a new person");
        assert!(!list_changed(Some(&p), &p), "saved again unchanged");
        let moved = AuthorizedPerson {
            branch_code: "017".into(),
            ..p.clone()
        };
        assert!(list_changed(Some(&p), &moved));
        assert_eq!(p.change_facts(false)["change"], "updated");
    }
}
