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

/// REG-13: the list as it is sent to a country's customs: every person, active or not, one
/// line each in id order, with what the customs need. Two sendings of the same text sent the
/// same list.
pub fn list_text(persons: &[AuthorizedPerson]) -> String {
    let mut sorted: Vec<&AuthorizedPerson> = persons.iter().collect();
    sorted.sort_by(|a, b| a.person_id.cmp(&b.person_id));
    sorted
        .iter()
        .map(|p| {
            format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                p.person_id,
                p.full_name,
                p.position,
                p.branch_code,
                p.phone,
                p.email,
                if p.active { "active" } else { "inactive" }
            )
        })
        .collect()
}

/// REG-13 (completed): a country's customs are owed the list when they have never been sent
/// it, or it changed since the last sending to them; an empty list is owed to no one.
pub fn sending_owed(current: &str, last_sent: Option<&str>) -> bool {
    !current.is_empty() && last_sent != Some(current)
}

/// REG-13: a change of the list is notified only when it changes what is forwarded.
pub fn list_changed(before: Option<&AuthorizedPerson>, after: &AuthorizedPerson) -> bool {
    before.is_none_or(|b| b.differs_from(after))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(id: &str, active: bool) -> AuthorizedPerson {
        AuthorizedPerson {
            person_id: id.into(),
            full_name: "Айгерім Сәрсенбаева".into(),
            position: "главный специалист".into(),
            branch_code: "002".into(),
            phone: "+7 7172 55 01 02".into(),
            email: "a@atameken.kz".into(),
            active,
        }
    }

    #[test]
    fn reg_13_the_list_is_owed_again_after_any_change_since_its_last_sending() {
        let sent = list_text(&[person("AP-2", true), person("AP-1", true)]);
        // The same list in another order is the same list.
        let same = list_text(&[person("AP-1", true), person("AP-2", true)]);
        assert!(!sending_owed(&same, Some(&sent)));
        let changed = list_text(&[person("AP-1", true), person("AP-2", false)]);
        assert!(sending_owed(&changed, Some(&sent)));
        assert!(sending_owed(&sent, None), "never sent");
        assert!(!sending_owed("", None), "no one to send");
    }

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
