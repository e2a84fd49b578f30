//! Application No. 1 (annex 1) and the registration data as the law sees them: boxes 1 to 6,
//! the documents' facts, the channel and the languages. The edge converts the wire form into
//! these types without judging it; the automatic checks (`checks`) judge it.

use chrono::NaiveDate;

/// A free-text box given in the primary language (Kazakh or Russian) and in English (REG-4).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BilingualText {
    pub primary: String,
    pub english: String,
}

/// Box 1: the exporter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exporter {
    pub name: Option<BilingualText>,
    pub address: Option<BilingualText>,
    /// ISO 3166 alpha-2, "KZ" (REG-1).
    pub country: String,
    /// BIN or IIN (REG-2).
    pub tin: String,
}

/// Box 2: contact details.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contact {
    pub phone: String,
    pub fax: String,
    pub email: String,
}

/// Box 3: a main activity. `Other` keeps a value the law does not know, so that the check can
/// name it and nothing is lost when the data are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Activity {
    Production,
    Trading,
    Other(i32),
}

/// Box 4: one line of goods.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Goods {
    pub description: Option<BilingualText>,
    /// A 4-digit HS heading, or a 2-digit chapter when the goods fall under more than 20.
    pub hs_code: String,
}

/// The registration data that can change later (CHG-1): boxes 1 to 4 and 6.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RegistrationData {
    pub exporter: Option<Exporter>,
    pub contact: Option<Contact>,
    pub activities: Vec<Activity>,
    pub goods: Vec<Goods>,
    pub hs_heading_count: u32,
    /// Box 6: consent to publication (REG-5).
    pub publication_consent: bool,
}

impl RegistrationData {
    pub fn tin(&self) -> &str {
        self.exporter.as_ref().map(|e| e.tin.trim()).unwrap_or("")
    }
}

/// A date as given on a form: a real date, or what was written instead (the reason it is not
/// one), which a check reports as a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GivenDate {
    Date(NaiveDate),
    NotADate { field: String, description: String },
}

/// Box 5: the undertakings and their signature.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Undertakings {
    pub accepted: bool,
    pub signatory_name: String,
    pub signatory_position: String,
    pub signed_on: Option<GivenDate>,
}

/// The kind of an attached document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    OriginEvidence,
    CommercialDocument,
    PowerOfAttorney,
    CourtDecision,
    ChangeEvidence,
    RevocationRequest,
    Other,
}

/// What the law needs to know of an attached document: its kind, and whether it has content.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentFacts {
    pub kind: Option<DocumentKind>,
    pub has_content: bool,
}

/// A representative applying with a power of attorney (REG-3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Representative {
    pub name: String,
    pub power_of_attorney: Option<DocumentFacts>,
}

/// Application No. 1 as far as the automatic checks look at it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationForm {
    pub data: Option<RegistrationData>,
    pub undertakings: Option<Undertakings>,
    pub representative: Option<Representative>,
    pub documents: Vec<DocumentFacts>,
}

/// The language of a form's free text besides English (REG-4), and of the notices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Language {
    Kazakh,
    Russian,
    English,
}

impl Language {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Language::Kazakh => "KK",
            Language::Russian => "RU",
            Language::English => "EN",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        match code {
            "KK" => Some(Language::Kazakh),
            "RU" => Some(Language::Russian),
            "EN" => Some(Language::English),
            _ => None,
        }
    }
}

/// How an application reached Atameken (REG-2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmissionChannel {
    Paper,
    Electronic,
}

impl SubmissionChannel {
    pub fn code(self) -> &'static str {
        match self {
            SubmissionChannel::Paper => "PAPER",
            SubmissionChannel::Electronic => "ELECTRONIC",
        }
    }

    /// A stored code; anything but ELECTRONIC was received on paper.
    pub fn from_code(code: &str) -> Self {
        if code == "ELECTRONIC" {
            SubmissionChannel::Electronic
        } else {
            SubmissionChannel::Paper
        }
    }

    /// Where the exporter's notices go: e-mail (and with it the inbox) for electronic
    /// applicants, a letter for paper ones.
    pub fn notice_channel(self) -> NoticeChannel {
        match self {
            SubmissionChannel::Electronic => NoticeChannel::Email,
            SubmissionChannel::Paper => NoticeChannel::Paper,
        }
    }
}

/// How a notice reaches its recipient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeChannel {
    Email,
    Paper,
    Inbox,
}

impl NoticeChannel {
    pub fn code(self) -> &'static str {
        match self {
            NoticeChannel::Email => "EMAIL",
            NoticeChannel::Paper => "PAPER",
            NoticeChannel::Inbox => "INBOX",
        }
    }
}
