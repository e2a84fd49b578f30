//! Reading and validating procedure files: every problem of every file reported together as
//! `file:line: message`, and nothing used unless all of it is valid.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::{NaiveDate, NaiveTime};
use rex_calendar::Schedule;

use crate::model::{At, Procedure, ScheduleSpec, Starts, Titles};

/// One problem in one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

/// The catalogue could not be loaded; none of it is in use.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("the procedure catalogue is invalid ({} problem(s)):\n{}", .0.len(), render(.0))]
    Invalid(Vec<Problem>),
    #[error("cannot read procedure files at {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

fn render(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| format!("  {p}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The files shipped with the release, in `catalogue/`.
pub const EMBEDDED: &[(&str, &str)] = &[
    (
        "kz-244-registration.toml",
        include_str!("../catalogue/kz-244-registration.toml"),
    ),
    (
        "kz-244-change.toml",
        include_str!("../catalogue/kz-244-change.toml"),
    ),
    (
        "kz-244-revocation.toml",
        include_str!("../catalogue/kz-244-revocation.toml"),
    ),
    (
        "kz-292-annex-01.toml",
        include_str!("../catalogue/kz-292-annex-01.toml"),
    ),
    (
        "kz-292-annex-02.toml",
        include_str!("../catalogue/kz-292-annex-02.toml"),
    ),
    (
        "kz-292-annex-03.toml",
        include_str!("../catalogue/kz-292-annex-03.toml"),
    ),
    (
        "kz-292-annex-04.toml",
        include_str!("../catalogue/kz-292-annex-04.toml"),
    ),
    (
        "kz-292-annex-05.toml",
        include_str!("../catalogue/kz-292-annex-05.toml"),
    ),
    (
        "kz-292-annex-06.toml",
        include_str!("../catalogue/kz-292-annex-06.toml"),
    ),
    (
        "kz-292-annex-07.toml",
        include_str!("../catalogue/kz-292-annex-07.toml"),
    ),
    (
        "kz-292-annex-08.toml",
        include_str!("../catalogue/kz-292-annex-08.toml"),
    ),
    (
        "kz-292-annex-09.toml",
        include_str!("../catalogue/kz-292-annex-09.toml"),
    ),
    (
        "kz-292-annex-10.toml",
        include_str!("../catalogue/kz-292-annex-10.toml"),
    ),
    (
        "kz-292-annex-11.toml",
        include_str!("../catalogue/kz-292-annex-11.toml"),
    ),
    (
        "kz-355-complaint.toml",
        include_str!("../catalogue/kz-355-complaint.toml"),
    ),
    (
        "kz-355-permit.toml",
        include_str!("../catalogue/kz-355-permit.toml"),
    ),
    (
        "kz-358-verification.toml",
        include_str!("../catalogue/kz-358-verification.toml"),
    ),
];

/// Every procedure, valid.
#[derive(Debug, Clone)]
pub struct Catalogue {
    procedures: BTreeMap<String, Procedure>,
}

impl Catalogue {
    /// The procedures shipped with the release.
    pub fn embedded() -> Result<Self, LoadError> {
        Self::load(None)
    }

    /// The shipped procedures, with the `*.toml` files of `dir` (if given) added, or replacing
    /// the shipped file of the same name.
    pub fn load(dir: Option<&Path>) -> Result<Self, LoadError> {
        let mut files: BTreeMap<String, String> = EMBEDDED
            .iter()
            .map(|(name, text)| ((*name).to_owned(), (*text).to_owned()))
            .collect();
        if let Some(dir) = dir {
            let io = |source| LoadError::Io {
                path: dir.to_owned(),
                source,
            };
            let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
                .map_err(io)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            paths.sort();
            for path in paths {
                let text = std::fs::read_to_string(&path).map_err(|source| LoadError::Io {
                    path: path.clone(),
                    source,
                })?;
                let name = path
                    .file_name()
                    .map(|n| n.to_string_lossy().to_string())
                    .unwrap_or_default();
                files.insert(name, text);
            }
        }
        Self::from_texts(files.iter().map(|(n, t)| (n.as_str(), t.as_str())))
    }

    /// Procedures from `(file name, text)` pairs.
    pub fn from_texts<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Self, LoadError> {
        let mut problems = Vec::new();
        let mut procedures = BTreeMap::new();
        for (file, text) in files {
            match parse(file, text) {
                Ok(p) => {
                    procedures.insert(p.id.value.clone(), p);
                }
                Err(mut found) => problems.append(&mut found),
            }
        }
        if problems.is_empty() {
            Ok(Self { procedures })
        } else {
            Err(LoadError::Invalid(problems))
        }
    }

    pub fn get(&self, id: &str) -> Option<&Procedure> {
        self.procedures.get(id)
    }

    /// The procedures in the order of their ids.
    pub fn iter(&self) -> impl Iterator<Item = &Procedure> {
        self.procedures.values()
    }
}

/// One file, parsed and validated.
pub fn parse(file: &str, text: &str) -> Result<Procedure, Vec<Problem>> {
    let line_of =
        |span: &Range<usize>| text[..span.start.min(text.len())].matches('\n').count() + 1;
    let procedure: Procedure = toml::from_str(text).map_err(|e: toml::de::Error| {
        vec![Problem {
            file: file.to_owned(),
            line: e.span().map_or(1, |s| line_of(&s)),
            message: e.message().to_owned(),
        }]
    })?;
    let mut problems = Vec::new();
    let mut report = |span: &Range<usize>, message: String| {
        problems.push(Problem {
            file: file.to_owned(),
            line: line_of(span),
            message,
        });
    };
    check(&procedure, file, &mut report);
    if problems.is_empty() {
        Ok(procedure)
    } else {
        problems.sort_by_key(|p| p.line);
        Err(problems)
    }
}

fn titles(
    t: &Titles,
    what: &str,
    at: &Range<usize>,
    report: &mut impl FnMut(&Range<usize>, String),
) {
    for (lang, text) in [("kk", &t.kk), ("ru", &t.ru), ("en", &t.en)] {
        if text.trim().is_empty() {
            report(
                at,
                format!("{what}: missing translation: title.{lang} is empty"),
            );
        }
    }
}

fn date(
    d: &At<String>,
    what: &str,
    report: &mut impl FnMut(&Range<usize>, String),
) -> Option<NaiveDate> {
    let parsed = NaiveDate::parse_from_str(d, "%Y-%m-%d").ok();
    if parsed.is_none() {
        report(
            &d.span,
            format!("{what}: {:?} is not a date (YYYY-MM-DD)", d.value),
        );
    }
    parsed
}

fn time(
    t: &At<String>,
    what: &str,
    report: &mut impl FnMut(&Range<usize>, String),
) -> Option<NaiveTime> {
    let parsed = NaiveTime::parse_from_str(t, "%H:%M").ok();
    if parsed.is_none() {
        report(
            &t.span,
            format!("{what}: {:?} is not a time (HH:MM)", t.value),
        );
    }
    parsed
}

/// The working hours a schedule gives, if they are valid.
pub fn schedule_of(spec: &ScheduleSpec) -> Result<Schedule, String> {
    let t = |s: &str| {
        NaiveTime::parse_from_str(s, "%H:%M").map_err(|_| format!("{s:?} is not a time (HH:MM)"))
    };
    let schedule = Schedule {
        opens: t(&spec.opens)?,
        closes: t(&spec.closes)?,
        breaks: spec
            .breaks
            .iter()
            .map(|b| Ok((t(&b.value[0])?, t(&b.value[1])?)))
            .collect::<Result<_, String>>()?,
    };
    schedule.check()?;
    Ok(schedule)
}

/// Unique ids: the second of each repeated one is reported.
fn unique<'a>(
    ids: impl IntoIterator<Item = &'a At<String>>,
    what: &str,
    report: &mut impl FnMut(&Range<usize>, String),
) -> BTreeSet<&'a str> {
    let mut seen = BTreeSet::new();
    for id in ids {
        if id.trim().is_empty() {
            report(&id.span, format!("{what}: an empty id"));
        } else if !seen.insert(id.value.as_str()) {
            report(&id.span, format!("{what} {:?} is given twice", id.value));
        }
    }
    seen
}

fn check(p: &Procedure, file: &str, report: &mut impl FnMut(&Range<usize>, String)) {
    let stem = file.strip_suffix(".toml").unwrap_or(file);
    if p.id.value != stem {
        report(
            &p.id.span,
            format!("the id {:?} is not the file's name {stem:?}", p.id.value),
        );
    }
    titles(&p.title, "the procedure", &p.id.span, report);
    date(&p.source.date, "source.date", report);
    let from = date(&p.in_force.from, "in_force.from", report);
    if let Some(to) = &p.in_force.to
        && let (Some(from), Some(to_date)) = (from, date(to, "in_force.to", report))
        && to_date < from
    {
        report(
            &to.span,
            format!("in_force.to {to_date} is before in_force.from {from}"),
        );
    }
    let roles = unique(p.roles.iter().map(|r| &r.id), "role", report);
    for r in &p.roles {
        titles(
            &r.title,
            &format!("role {:?}", r.id.value),
            &r.id.span,
            report,
        );
    }
    if !roles.contains(p.provider.as_str()) {
        report(
            &p.provider.span,
            format!("provider: unknown role {:?}", p.provider.value),
        );
    }
    if let Some(spec) = &p.schedule
        && let Err(why) = schedule_of(spec)
    {
        report(&spec.opens.span, format!("schedule: {why}"));
    }
    unique(p.channels.iter().map(|c| &c.id), "channel", report);
    for c in &p.channels {
        titles(
            &c.title,
            &format!("channel {:?}", c.id.value),
            &c.id.span,
            report,
        );
        if let Some(cutoff) = &c.cutoff {
            time(cutoff, &format!("channel {:?}: cutoff", c.id.value), report);
        }
        if let Some(hours) = &c.hours
            && let Err(why) = schedule_of(hours)
        {
            report(
                &hours.opens.span,
                format!("channel {:?}: hours: {why}", c.id.value),
            );
        }
        for d in &c.open_days {
            if !["mon", "tue", "wed", "thu", "fri", "sat", "sun"].contains(&d.as_str()) {
                report(
                    &d.span,
                    format!(
                        "channel {:?}: open_days: {:?} is not mon … sun",
                        c.id.value, d.value
                    ),
                );
            }
        }
    }
    let results = unique(p.results.iter().map(|r| &r.id), "result", report);
    for r in &p.results {
        titles(
            &r.title,
            &format!("result {:?}", r.id.value),
            &r.id.span,
            report,
        );
    }
    let notices = unique(p.notices.iter().map(|n| &n.id), "notice", report);
    for n in &p.notices {
        titles(
            &n.title,
            &format!("notice {:?}", n.id.value),
            &n.id.span,
            report,
        );
    }
    let mut numbers = BTreeSet::new();
    for r in &p.refusals {
        if !numbers.insert(r.number.value) {
            report(
                &r.number.span,
                format!("refusal ground {} is given twice", r.number.value),
            );
        }
        titles(
            &r.title,
            &format!("refusal ground {}", r.number.value),
            &r.number.span,
            report,
        );
    }
    unique(
        p.steps
            .iter()
            .map(|s| &s.id)
            .chain(p.deadlines.iter().map(|d| &d.id)),
        "step or deadline",
        report,
    );
    // What a step may name: steps, never deadlines.
    let steps: BTreeSet<&str> = p.steps.iter().map(|s| s.id.as_str()).collect();
    let entry_steps: BTreeSet<&str> = p
        .steps
        .iter()
        .filter(|s| {
            matches!(
                s.starts.as_ref().map(|a| &a.value),
                Some(Starts::Registration) | Some(Starts::Event(_))
            )
        })
        .map(|s| s.id.as_str())
        .collect();
    for d in &p.deadlines {
        let name = format!("deadline {:?}", d.id.value);
        titles(&d.title, &name, &d.id.span, report);
        if !roles.contains(d.actor.as_str()) {
            report(
                &d.actor.span,
                format!("{name}: unknown role {:?}", d.actor.value),
            );
        }
    }
    if p.steps.is_empty() {
        report(&p.id.span, "a procedure needs at least one step".into());
    }
    if let Some(total) = &p.total {
        for e in &total.excludes {
            if !steps.contains(e.as_str()) {
                report(
                    &e.span,
                    format!("total.excludes: unknown step {:?}", e.value),
                );
            }
        }
    }
    let mut edges: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    let mut entries = Vec::new();
    let mut joins: Vec<(&str, Vec<&str>)> = Vec::new();
    let mut ends = BTreeSet::new();
    for s in &p.steps {
        let name = format!("step {:?}", s.id.value);
        titles(&s.title, &name, &s.id.span, report);
        if !roles.contains(s.actor.as_str()) {
            report(
                &s.actor.span,
                format!("{name}: unknown role {:?}", s.actor.value),
            );
        }
        if let (Some(max), Some(ext)) = (&s.max, &s.extension) {
            use crate::model::UnitName::Hours;
            if (max.unit == Hours) != (ext.unit == Hours) {
                report(
                    &s.id.span,
                    format!(
                        "{name}: an extension in {:?} cannot extend a maximum in {:?}",
                        ext.unit, max.unit
                    ),
                );
            }
        }
        if s.extension.is_some() && s.max.is_none() {
            report(
                &s.id.span,
                format!("{name}: an extension of a step with no maximum"),
            );
        }
        match (&s.max, &s.no_max) {
            (Some(_), Some(_)) => report(
                &s.id.span,
                format!("{name}: a maximum and no_max both given"),
            ),
            (None, None) => report(
                &s.id.span,
                format!("{name}: neither a maximum nor no_max (why it has none)"),
            ),
            _ => {}
        }
        if let Some(c) = &s.counted_from
            && c.as_str() != "registration"
            && !steps.contains(c.as_str())
        {
            report(
                &c.span,
                format!(
                    "{name}: counted_from: neither `registration` nor a step: {:?}",
                    c.value
                ),
            );
        }
        for n in &s.notices {
            if !notices.contains(n.as_str()) {
                report(&n.span, format!("{name}: unknown notice {:?}", n.value));
            }
        }
        match s.starts.as_ref().map(|a| (&a.value, &a.span)) {
            Some((Starts::Registration, _)) | Some((Starts::Event(_), _)) => {
                entries.push(s.id.as_str())
            }
            Some((Starts::After(list), span)) => {
                let mut known = Vec::new();
                for id in list {
                    if id == s.id.as_str() {
                        report(span, format!("{name}: starts after itself"));
                    } else if let Some(k) = steps.get(id.as_str()) {
                        known.push(*k);
                    } else {
                        report(span, format!("{name}: starts after unknown step {id:?}"));
                    }
                }
                if list.is_empty() {
                    report(span, format!("{name}: starts after no step"));
                }
                joins.push((s.id.as_str(), known));
            }
            None => {}
        }
        if s.outcomes.is_empty() {
            report(
                &s.id.span,
                format!("{name}: no outcome: a branch with no end"),
            );
        }
        unique(
            s.outcomes.iter().map(|o| &o.id),
            &format!("{name}: outcome"),
            report,
        );
        for o in &s.outcomes {
            let oname = format!("{name}, outcome {:?}", o.id.value);
            titles(&o.title, &oname, &o.id.span, report);
            match (o.next.is_empty(), &o.end) {
                (true, None) => report(
                    &o.id.span,
                    format!("{oname}: neither next steps nor an end: a branch with no end"),
                ),
                (false, Some(end)) => {
                    report(&end.span, format!("{oname}: both next steps and an end"))
                }
                _ => {}
            }
            if let Some(end) = &o.end {
                if results.contains(end.as_str()) {
                    ends.insert(s.id.as_str());
                } else {
                    report(
                        &end.span,
                        format!("{oname}: unknown result {:?}", end.value),
                    );
                }
            }
            for n in &o.next {
                match steps.get(n.as_str()) {
                    Some(k) if entry_steps.contains(k) => report(
                        &n.span,
                        format!(
                            "{oname}: step {k:?} starts on the registration or an event, not after another step"
                        ),
                    ),
                    Some(k) => {
                        edges.entry(s.id.as_str()).or_default().push(k);
                    }
                    None => report(&n.span, format!("{oname}: unknown step {:?}", n.value)),
                }
            }
        }
    }
    if !p.steps.iter().any(|s| {
        matches!(
            s.starts.as_ref().map(|a| &a.value),
            Some(Starts::Registration)
        )
    }) {
        report(
            &p.id.span,
            "no step starts on the case's registration".into(),
        );
    }
    // Reachable: from the entries along the outcomes, a join once all it waits for is reached.
    let mut reached: BTreeSet<&str> = BTreeSet::new();
    let mut queue: VecDeque<&str> = entries.iter().copied().collect();
    loop {
        while let Some(s) = queue.pop_front() {
            if reached.insert(s) {
                queue.extend(edges.get(s).into_iter().flatten().copied());
            }
        }
        let ready: Vec<&str> = joins
            .iter()
            .filter(|(s, after)| {
                !reached.contains(s)
                    && !after.is_empty()
                    && after.iter().all(|a| reached.contains(a))
            })
            .map(|(s, _)| *s)
            .collect();
        if ready.is_empty() {
            break;
        }
        queue.extend(ready);
    }
    // A way out: the steps from which an end can be reached.
    let mut to_end = ends.clone();
    loop {
        let before = to_end.len();
        for (from, tos) in &edges {
            if tos.iter().any(|t| to_end.contains(t)) {
                to_end.insert(from);
            }
        }
        for (s, after) in &joins {
            if to_end.contains(s) {
                to_end.extend(after.iter().copied());
            }
        }
        if to_end.len() == before {
            break;
        }
    }
    // The engine runs each step once: a step that leads back to itself could never run again.
    let mut on_cycle = BTreeSet::new();
    for start in steps.iter() {
        let mut stack: Vec<&str> = edges.get(start).cloned().unwrap_or_default();
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == *start {
                on_cycle.insert(*start);
                break;
            }
            if seen.insert(n) {
                stack.extend(edges.get(n).into_iter().flatten().copied());
            }
        }
    }
    for s in &p.steps {
        if on_cycle.contains(s.id.as_str()) {
            report(
                &s.id.span,
                format!(
                    "step {:?} leads back to itself: a step runs once in a case",
                    s.id.value
                ),
            );
        }
    }
    for s in &p.steps {
        let id = s.id.as_str();
        if !reached.contains(id) {
            report(
                &s.id.span,
                format!("step {id:?} is unreachable: nothing starts it"),
            );
        } else if !to_end.contains(id) {
            report(
                &s.id.span,
                format!(
                    "step {id:?} has no way to an end (a cycle with no way out, or a branch with no end)"
                ),
            );
        }
    }
}
