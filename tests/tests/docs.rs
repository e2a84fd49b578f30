//! The repository's own documentation, checked so it cannot go stale:
//!
//! - `docs/rules.md`, the index of the law's rule IDs, is generated here from `docs/rules.toml`
//!   (one line per rule, kept by hand: the law's text is not in this repository) and a scan of
//!   the repository for the files that cite each ID and the tests named after it (a name
//!   starting with the ID in lower case, `_` for `-`, as `reg_7_number_has_…`). The test fails when the file differs from what it
//!   would generate, or when code or a test name cites an ID with no summary; with
//!   `REX_BLESS=1` it writes the file instead.
//! - every relative link of every Markdown file leads to a file that exists, and every
//!   `#anchor` into a Markdown file to one of its headings (GitHub's slugs); web links are only
//!   checked to be well-formed (no network in CI).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Component, Path, PathBuf};

use pulldown_cmark::{BrokenLink, Event, LinkType, Options, Parser, Tag, TagEnd};

/// The environment variable that makes the rules test write `docs/rules.md`.
const BLESS: &str = "REX_BLESS";
const RULES_DATA: &str = "docs/rules.toml";
const RULES_INDEX: &str = "docs/rules.md";

/// Folders that are not the project's own sources: tools' caches anywhere, and at the root
/// the build output and the local data and Python environment (`.gitignore`).
const SKIPPED_DIRS: &[&str] = &[".git", "node_modules", "__pycache__"];
const SKIPPED_ROOT_DIRS: &[&str] = &["target", "data", ".venv"];

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the tests crate sits in the repository")
        .to_path_buf()
}

/// Every file under `root` outside [`SKIPPED_DIRS`], as paths relative to it with `/`,
/// sorted so that everything generated from them is stable.
fn repo_files(root: &Path) -> Vec<String> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<String>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let entry = entry.unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
            let path = entry.path();
            let name = entry.file_name();
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            if kind.is_dir() {
                let skipped = SKIPPED_DIRS.iter().any(|s| name == *s)
                    || (dir == root && SKIPPED_ROOT_DIRS.iter().any(|s| name == *s));
                if !skipped {
                    walk(root, &path, out);
                }
            } else if kind.is_file() {
                out.push(relative(root, &path));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out.sort();
    out
}

fn relative(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

// ---------------------------------------------------------------------------------------------
// The rules index

/// `docs/rules.toml`: the families of rules in the index's order, each with its summaries.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RulesData {
    family: Vec<Family>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Family {
    prefix: String,
    title: String,
    rules: BTreeMap<String, String>,
}

/// A rule ID, ordered by family (in the data file's order) and then by number, so rule 2 of a
/// family comes before rule 10.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct RuleId {
    family: usize,
    number: u32,
    text: String,
}

/// The summaries, checked: each ID of its family's prefix, none empty, none twice.
#[derive(Debug)]
struct Summaries {
    families: Vec<(String, String)>,
    rules: BTreeMap<RuleId, String>,
}

impl Summaries {
    fn parse(text: &str) -> Result<Self, String> {
        let data: RulesData = toml::from_str(text).map_err(|e| e.to_string())?;
        let families: Vec<(String, String)> = data
            .family
            .iter()
            .map(|f| (f.prefix.clone(), f.title.clone()))
            .collect();
        let prefixes: Vec<&str> = families.iter().map(|(p, _)| p.as_str()).collect();
        let mut rules = BTreeMap::new();
        let mut errors = Vec::new();
        for (index, family) in data.family.iter().enumerate() {
            if prefixes[..index].contains(&family.prefix.as_str()) {
                errors.push(format!("family {} listed twice", family.prefix));
            }
            for (id, summary) in &family.rules {
                match parse_id(id, &prefixes) {
                    Some(rule) if rule.family == index => {
                        if summary.trim().is_empty() {
                            errors.push(format!("{id} has an empty summary"));
                        } else if summary.contains('\n') || summary.contains('|') {
                            errors.push(format!(
                                "{id}: a summary is one line without '|' (it is a table cell)"
                            ));
                        }
                        rules.insert(rule, summary.trim().to_owned());
                    }
                    _ => errors.push(format!(
                        "{id} is not an ID of the family {} (PREFIX-NUMBER)",
                        family.prefix
                    )),
                }
            }
        }
        if errors.is_empty() {
            Ok(Summaries { families, rules })
        } else {
            Err(errors.join("\n"))
        }
    }

    fn prefixes(&self) -> Vec<&str> {
        self.families.iter().map(|(p, _)| p.as_str()).collect()
    }
}

/// `PREFIX-NUMBER` of one of `prefixes`, exactly.
fn parse_id(text: &str, prefixes: &[&str]) -> Option<RuleId> {
    let (prefix, number) = text.split_once('-')?;
    let family = prefixes.iter().position(|p| *p == prefix)?;
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) || number.starts_with('0') {
        return None;
    }
    Some(RuleId {
        family,
        number: number.parse().ok()?,
        text: text.to_owned(),
    })
}

/// The rule IDs cited in `text`, with their line numbers. An ID stands alone: not inside a
/// longer word or reference (a case reference such as `MTI-VER-2026-0042` is not a rule).
fn cited_ids(text: &str, prefixes: &[&str]) -> Vec<(RuleId, usize)> {
    let mut found = Vec::new();
    for (line_index, line) in text.lines().enumerate() {
        let bytes = line.as_bytes();
        for prefix in prefixes {
            let needle = format!("{prefix}-");
            for (start, _) in line.match_indices(&needle) {
                let before = start.checked_sub(1).map(|i| bytes[i]);
                if before.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_') {
                    continue;
                }
                let digits_start = start + needle.len();
                let digits_end = bytes[digits_start..]
                    .iter()
                    .position(|b| !b.is_ascii_digit())
                    .map_or(bytes.len(), |n| digits_start + n);
                let after = bytes.get(digits_end).copied();
                let continues_as_reference = after == Some(b'-')
                    && bytes.get(digits_end + 1).is_some_and(u8::is_ascii_digit);
                if after.is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
                    || continues_as_reference
                {
                    continue;
                }
                if let Some(id) = parse_id(&line[start..digits_end], prefixes) {
                    found.push((id, line_index + 1));
                }
            }
        }
    }
    found
}

/// The Rust functions in `text` named after a rule (`fn reg_7_number_has_20_characters`: one
/// rule ID a name, as the style guide asks), with the ID each checks and its line number.
fn rule_test_names(text: &str, prefixes: &[&str]) -> Vec<(RuleId, String, usize)> {
    let mut found = Vec::new();
    for (line_index, line) in text.lines().enumerate() {
        for (start, _) in line.match_indices("fn ") {
            if start > 0 && line.as_bytes()[start - 1].is_ascii_alphanumeric() {
                continue;
            }
            let rest = &line[start + 3..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            let mut parts = name.splitn(3, '_');
            let (Some(family), Some(number), Some(tail)) =
                (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if tail.is_empty() {
                continue;
            }
            let Some(prefix) = prefixes.iter().find(|p| p.to_lowercase() == family) else {
                continue;
            };
            if let Some(id) = parse_id(&format!("{prefix}-{number}"), prefixes) {
                found.push((id, name, line_index + 1));
            }
        }
    }
    found
}

/// Test code: files under a `tests` folder and `tests.rs` modules. Everything else that cites a
/// rule is listed as its code.
fn is_test_file(path: &str) -> bool {
    path.split('/').any(|part| part == "tests") || path.ends_with("/tests.rs")
}

/// Where the repository cites each rule: the files, split into code and tests, and the tests
/// named after it.
#[derive(Debug, Default)]
struct Citations {
    code_files: BTreeMap<RuleId, BTreeSet<String>>,
    /// rule -> test file -> names of its tests for the rule (empty: cited in the text only).
    tests: BTreeMap<RuleId, BTreeMap<String, Vec<String>>>,
    /// The first place each ID is cited, for the messages.
    first_seen: BTreeMap<RuleId, String>,
}

impl Citations {
    /// Scans every text file but the Markdown (prose about the code, this index among it) and
    /// `docs/` (the index and its data).
    fn scan(root: &Path, prefixes: &[&str]) -> Self {
        let mut citations = Citations::default();
        for path in repo_files(root) {
            if path.starts_with("docs/") || path.ends_with(".md") {
                continue;
            }
            // Binary files (fonts, databases) are not read as text: they cite nothing.
            let Ok(text) = std::fs::read_to_string(root.join(&path)) else {
                continue;
            };
            citations.add(&path, &text, prefixes);
        }
        citations
    }

    fn add(&mut self, path: &str, text: &str, prefixes: &[&str]) {
        let test_file = is_test_file(path);
        for (id, line) in cited_ids(text, prefixes) {
            self.first_seen
                .entry(id.clone())
                .or_insert_with(|| format!("{path}:{line}"));
            if test_file {
                self.tests
                    .entry(id)
                    .or_default()
                    .entry(path.to_owned())
                    .or_default();
            } else {
                self.code_files
                    .entry(id)
                    .or_default()
                    .insert(path.to_owned());
            }
        }
        if path.ends_with(".rs") {
            for (id, name, line) in rule_test_names(text, prefixes) {
                self.first_seen
                    .entry(id.clone())
                    .or_insert_with(|| format!("{path}:{line} ({name})"));
                let names = self
                    .tests
                    .entry(id)
                    .or_default()
                    .entry(path.to_owned())
                    .or_default();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
    }

    fn ids(&self) -> BTreeSet<&RuleId> {
        self.code_files.keys().chain(self.tests.keys()).collect()
    }
}

fn link(path: &str) -> String {
    // docs/rules.md links from docs/, one level below the root.
    format!("[{path}](../{path})")
}

fn count(n: usize, thing: &str) -> String {
    if n == 1 {
        format!("1 {thing}")
    } else {
        format!("{n} {thing}s")
    }
}

/// The text of docs/rules.md.
fn render_rules_index(summaries: &Summaries, citations: &Citations) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# The rules of the law: an index");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "<!-- Generated by tests/tests/docs.rs from docs/rules.toml and the code: do not edit. \
         Change docs/rules.toml (or the code), then run \
         `REX_BLESS=1 cargo test -p rex-e2e --test docs`. -->"
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Every rule ID of Order 244-NK (registration, changes, revocation, retention) and Order \
         358-NK (verification) in one line of our own, with the files that cite it and the tests \
         named after it (a test's name starts with the rule's ID in lower case, `_` for `-`). The law's text with these IDs is the team's \
         rule spec, `rex-rules.md`, kept outside this repository; a line here is a reminder, \
         not the law."
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "This file is **generated**: edit the summaries in [rules.toml](rules.toml) and run \
         `REX_BLESS=1 cargo test -p rex-e2e --test docs`. The test fails when this file is \
         stale and when the code or a test name cites an ID that has no summary."
    );
    let unimplemented: Vec<&str> = summaries
        .rules
        .keys()
        .filter(|id| !citations.ids().contains(id))
        .map(|id| id.text.as_str())
        .collect();
    if !unimplemented.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "**Not yet implemented** (cited nowhere in the code or the tests): {}.",
            unimplemented.join(", ")
        );
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "| rule | in short | code | tests |");
    let _ = writeln!(out, "|---|---|---|---|");
    for (id, summary) in &summaries.rules {
        let code = citations.code_files.get(id).map_or(0, BTreeSet::len);
        let tests: usize = citations
            .tests
            .get(id)
            .map_or(0, |files| files.values().map(Vec::len).sum());
        let (code, tests) = if citations.ids().contains(id) {
            (count(code, "file"), count(tests, "test"))
        } else {
            ("not yet implemented".to_owned(), "—".to_owned())
        };
        let _ = writeln!(
            out,
            "| [{}](#{}) | {summary} | {code} | {tests} |",
            id.text,
            github_slug(&id.text)
        );
    }
    for (index, (_, title)) in summaries.families.iter().enumerate() {
        let _ = writeln!(out);
        let _ = writeln!(out, "## {title}");
        for (id, summary) in summaries.rules.iter().filter(|(id, _)| id.family == index) {
            let _ = writeln!(out);
            let _ = writeln!(out, "### {}", id.text);
            let _ = writeln!(out);
            let _ = writeln!(out, "{summary}");
            let _ = writeln!(out);
            match citations.code_files.get(id) {
                Some(files) => {
                    let links: Vec<String> = files.iter().map(|f| link(f)).collect();
                    let _ = writeln!(out, "- Code: {}", links.join(", "));
                }
                None if citations.ids().contains(id) => {
                    let _ = writeln!(out, "- Code: cited only in the tests");
                }
                None => {
                    let _ = writeln!(out, "- Not yet implemented: no code or test cites it.");
                }
            }
            if let Some(files) = citations.tests.get(id) {
                let _ = writeln!(out, "- Tests:");
                for (file, names) in files {
                    if names.is_empty() {
                        let _ = writeln!(out, "  - {} (cites it)", link(file));
                    } else {
                        let names: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
                        let _ = writeln!(out, "  - {}: {}", link(file), names.join(", "));
                    }
                }
            }
        }
    }
    out
}

/// The IDs cited in the code or a test's name that have no summary, with where each was seen.
fn without_summary(summaries: &Summaries, citations: &Citations) -> Vec<String> {
    citations
        .ids()
        .into_iter()
        .filter(|id| !summaries.rules.contains_key(id))
        .map(|id| {
            let seen = citations.first_seen.get(id).map_or("", String::as_str);
            format!("{} (cited at {seen})", id.text)
        })
        .collect()
}

/// The first line where `actual` and `expected` differ, for the message.
fn first_difference(actual: &str, expected: &str) -> String {
    let mut actual_lines = actual.lines();
    let mut expected_lines = expected.lines();
    let mut number = 1;
    loop {
        match (actual_lines.next(), expected_lines.next()) {
            (Some(a), Some(e)) if a == e => number += 1,
            (a, e) => {
                return format!(
                    "line {number}:\n  in the file: {}\n  generated:   {}",
                    a.unwrap_or("(end of file)"),
                    e.unwrap_or("(end of file)")
                );
            }
        }
    }
}

#[test]
fn the_rules_index_is_generated_from_the_summaries_and_the_code() {
    let root = repo_root();
    let data = std::fs::read_to_string(root.join(RULES_DATA))
        .unwrap_or_else(|e| panic!("{RULES_DATA}: {e}"));
    let summaries = Summaries::parse(&data).unwrap_or_else(|e| panic!("{RULES_DATA}:\n{e}"));
    let citations = Citations::scan(&root, &summaries.prefixes());

    let missing = without_summary(&summaries, &citations);
    assert!(
        missing.is_empty(),
        "rule IDs cited in the code or in a test's name have no summary in {RULES_DATA}: add \
         one line for each (in your own words, from the rule spec), then run \
         `{BLESS}=1 cargo test -p rex-e2e --test docs`:\n  {}",
        missing.join("\n  ")
    );

    let generated = render_rules_index(&summaries, &citations);
    let path = root.join(RULES_INDEX);
    if std::env::var_os(BLESS).is_some() {
        std::fs::write(&path, &generated).unwrap_or_else(|e| panic!("{RULES_INDEX}: {e}"));
        return;
    }
    let current = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        current == generated,
        "{RULES_INDEX} is stale (a rule cited or a test named in a new place, or {RULES_DATA} \
         changed): regenerate it with `{BLESS}=1 cargo test -p rex-e2e --test docs` and commit \
         it. First difference at {}",
        first_difference(&current, &generated)
    );
}

// ---------------------------------------------------------------------------------------------
// Markdown links

/// GitHub's anchor of a heading: lower case, each space a hyphen, punctuation other than `-`
/// and `_` dropped (letters of any script kept).
fn github_slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

/// A Markdown file's links and the anchors of its headings.
#[derive(Debug, Default)]
struct MarkdownFile {
    /// (destination, line)
    links: Vec<(String, usize)>,
    anchors: BTreeSet<String>,
    /// `[text][label]` whose label is defined nowhere, with their lines.
    undefined_references: Vec<(String, usize)>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl MarkdownFile {
    fn parse(text: &str) -> Self {
        let mut undefined = Vec::new();
        let callback = |broken: BrokenLink<'_>| {
            // A shortcut `[x]` with no definition is just text in brackets; a full or
            // collapsed reference shows the author meant a link.
            if matches!(broken.link_type, LinkType::Reference | LinkType::Collapsed) {
                undefined.push((
                    broken.reference.to_string(),
                    line_of(text, broken.span.start),
                ));
            }
            None
        };
        let options = Options::ENABLE_TABLES
            | Options::ENABLE_FOOTNOTES
            | Options::ENABLE_STRIKETHROUGH
            | Options::ENABLE_TASKLISTS
            | Options::ENABLE_HEADING_ATTRIBUTES;
        let mut file = MarkdownFile::default();
        let mut heading: Option<String> = None;
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let parser = Parser::new_with_broken_link_callback(text, options, Some(callback));
        for (event, range) in parser.into_offset_iter() {
            match event {
                Event::Start(Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. }) => {
                    file.links
                        .push((dest_url.to_string(), line_of(text, range.start)));
                }
                Event::Start(Tag::Heading { id, .. }) => {
                    if let Some(id) = id {
                        file.anchors.insert(id.to_string());
                    }
                    heading = Some(String::new());
                }
                Event::Text(t) | Event::Code(t) => {
                    if let Some(h) = heading.as_mut() {
                        h.push_str(&t);
                    }
                }
                Event::End(TagEnd::Heading(_)) => {
                    if let Some(h) = heading.take() {
                        // GitHub numbers a repeated heading's anchor: x, x-1, x-2.
                        let slug = github_slug(&h);
                        let count = seen.entry(slug.clone()).or_insert(0);
                        let anchor = if *count == 0 {
                            slug.clone()
                        } else {
                            format!("{slug}-{count}")
                        };
                        *count += 1;
                        file.anchors.insert(anchor);
                    }
                }
                _ => {}
            }
        }
        file.undefined_references = undefined;
        file
    }
}

/// `%20` and the like in a link's path.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// A web link is well-formed: a scheme we expect, a host, no spaces.
fn web_link_problem(url: &str) -> Option<String> {
    if url.chars().any(char::is_whitespace) {
        return Some("a web link has a space in it".into());
    }
    if let Some(address) = url.strip_prefix("mailto:") {
        return (!address.contains('@')).then(|| "mailto: without an address".into());
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    let name = host.split(':').next().unwrap_or_default();
    let valid_name = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-')
        && !name.starts_with(['.', '-'])
        && !name.ends_with(['.', '-'])
        && (name.contains('.') || name == "localhost");
    (!valid_name).then(|| format!("the host of {url:?} is not a host name"))
}

fn has_scheme(url: &str) -> bool {
    url.split_once(':').is_some_and(|(scheme, _)| {
        !scheme.is_empty()
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-' || c == '.')
            && scheme
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_alphabetic())
    })
}

/// `base_dir/target` with `.` and `..` worked out, or None when it climbs out of the
/// repository.
fn resolve(base_dir: &str, target: &str) -> Option<String> {
    let mut parts: Vec<String> = if target.starts_with('/') {
        Vec::new()
    } else {
        base_dir
            .split('/')
            .filter(|p| !p.is_empty())
            .map(str::to_owned)
            .collect()
    };
    for component in Path::new(target.trim_start_matches('/')).components() {
        match component {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::ParentDir => {
                parts.pop()?;
            }
            _ => {}
        }
    }
    Some(parts.join("/"))
}

/// Every broken link of the Markdown files under `root`, as `file:line: problem`.
fn broken_links(root: &Path) -> Vec<String> {
    let markdown: Vec<String> = repo_files(root)
        .into_iter()
        .filter(|p| p.ends_with(".md"))
        .collect();
    let mut parsed: BTreeMap<String, MarkdownFile> = BTreeMap::new();
    for path in &markdown {
        let text =
            std::fs::read_to_string(root.join(path)).unwrap_or_else(|e| panic!("{path}: {e}"));
        parsed.insert(path.clone(), MarkdownFile::parse(&text));
    }
    let mut problems = Vec::new();
    for (path, file) in &parsed {
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        for (label, line) in &file.undefined_references {
            problems.push(format!(
                "{path}:{line}: the reference [{label}] is defined nowhere"
            ));
        }
        for (url, line) in &file.links {
            let at = format!("{path}:{line}");
            if has_scheme(url) {
                if url.starts_with("http://")
                    || url.starts_with("https://")
                    || url.starts_with("mailto:")
                {
                    if let Some(problem) = web_link_problem(url) {
                        problems.push(format!("{at}: {problem}"));
                    }
                } else {
                    problems.push(format!("{at}: {url:?}: only http(s) and mailto links"));
                }
                continue;
            }
            let (target, fragment) = match url.split_once('#') {
                Some((t, f)) => (t, Some(f)),
                None => (url.as_str(), None),
            };
            let target = target.split('?').next().unwrap_or_default();
            let Some(target) = percent_decode(target) else {
                problems.push(format!("{at}: {url:?} is not well percent-encoded"));
                continue;
            };
            let resolved = if target.is_empty() {
                Some(path.clone())
            } else {
                resolve(dir, &target)
            };
            let Some(resolved) = resolved else {
                problems.push(format!("{at}: {url:?} leads out of the repository"));
                continue;
            };
            if !root.join(&resolved).exists() {
                problems.push(format!("{at}: {url:?}: no file {resolved}"));
                continue;
            }
            let Some(fragment) = fragment else { continue };
            // Anchors of other files (a line of source, `#L10`) are GitHub's own; a Markdown
            // file's anchors are its headings.
            if let Some(target_file) = parsed.get(&resolved) {
                let fragment = percent_decode(fragment).unwrap_or_default();
                if !target_file.anchors.contains(&fragment) {
                    problems.push(format!(
                        "{at}: {url:?}: {resolved} has no heading with the anchor #{fragment}"
                    ));
                }
            }
        }
    }
    problems
}

#[test]
fn every_link_of_the_markdown_files_resolves() {
    let problems = broken_links(&repo_root());
    assert!(
        problems.is_empty(),
        "broken links in the Markdown files (a relative link must name a file of the \
         repository, an #anchor a heading of the Markdown file it points into):\n  {}",
        problems.join("\n  ")
    );
}

// ---------------------------------------------------------------------------------------------
// The pieces, on made-up input (a family "ABC", so that this file cites no rule of the law)

#[test]
fn a_rule_id_stands_alone_and_a_test_name_names_one_rule() {
    let prefixes = ["ABC", "XY"];
    let text = "ABC-7 and (ABC-12), not XABC-1, ABC-3a, ABC-04, CASE-ABC-2026-0042 or ABC-2026-01;\n\
                see XY-2..8 at the end: XY-9";
    let ids: Vec<(String, usize)> = cited_ids(text, &prefixes)
        .into_iter()
        .map(|(id, line)| (id.text, line))
        .collect();
    assert_eq!(
        ids,
        [
            ("ABC-7".to_owned(), 1),
            ("ABC-12".to_owned(), 1),
            ("XY-2".to_owned(), 2),
            ("XY-9".to_owned(), 2)
        ]
    );

    let code = "fn abc_7_number_has_20_characters() {}\n    async fn xy_12_late() {}\n\
                fn abc_7() {}\nfn helper_abc_1_x() {}\nfn abc_x_y() {}";
    let names: Vec<(String, String)> = rule_test_names(code, &prefixes)
        .into_iter()
        .map(|(id, name, _)| (id.text, name))
        .collect();
    assert_eq!(
        names,
        [
            (
                "ABC-7".to_owned(),
                "abc_7_number_has_20_characters".to_owned()
            ),
            ("XY-12".to_owned(), "xy_12_late".to_owned())
        ]
    );
}

#[test]
fn an_id_cited_without_a_summary_is_reported_and_a_summary_cited_nowhere_is_not_yet_implemented() {
    let data = "[[family]]\nprefix = \"ABC\"\ntitle = \"Made up\"\n[family.rules]\n\
                ABC-1 = \"The first.\"\nABC-2 = \"The second, cited nowhere.\"\n";
    let summaries = Summaries::parse(data).expect("valid data");
    let mut citations = Citations::default();
    citations.add("src/a.rs", "// ABC-1: here\n", &summaries.prefixes());
    citations.add(
        "src/tests.rs",
        "fn abc_1_works() {}\nfn abc_3_is_new() {}\n",
        &summaries.prefixes(),
    );
    assert_eq!(
        without_summary(&summaries, &citations),
        ["ABC-3 (cited at src/tests.rs:2 (abc_3_is_new))"]
    );
    let index = render_rules_index(&summaries, &citations);
    assert!(
        index.contains("| [ABC-1](#abc-1) | The first. | 1 file | 1 test |"),
        "{index}"
    );
    assert!(
        index.contains("**Not yet implemented** (cited nowhere in the code or the tests): ABC-2."),
        "{index}"
    );
    assert!(
        index.contains("  - [src/tests.rs](../src/tests.rs): `abc_1_works`"),
        "{index}"
    );
}

#[test]
fn a_summary_of_another_family_or_an_empty_one_is_refused() {
    let data = "[[family]]\nprefix = \"ABC\"\ntitle = \"Made up\"\n[family.rules]\n\
                XY-1 = \"Wrong family.\"\nABC-2 = \" \"\nABC-03 = \"Leading zero.\"\n";
    let error = Summaries::parse(data).expect_err("refused");
    assert!(
        error.contains("XY-1 is not an ID of the family ABC"),
        "{error}"
    );
    assert!(error.contains("ABC-2 has an empty summary"), "{error}");
    assert!(error.contains("ABC-03 is not an ID"), "{error}");
}

#[test]
fn github_anchors_drop_punctuation_and_number_repeated_headings() {
    assert_eq!(github_slug("Metrics and alerts"), "metrics-and-alerts");
    assert_eq!(
        github_slug("The verification service in brief (Order 358-NK)"),
        "the-verification-service-in-brief-order-358-nk"
    );
    assert_eq!(
        github_slug("`rex-suite up`: one command"),
        "rex-suite-up-one-command"
    );
    assert_eq!(github_slug("Қазақша мәтін"), "қазақша-мәтін");
    let file = MarkdownFile::parse("# Top\n\n## Same\n\n## Same\n\n### With `code` and, commas\n");
    assert_eq!(
        file.anchors,
        ["same", "same-1", "top", "with-code-and-commas"]
            .map(String::from)
            .into()
    );
}

#[test]
fn a_link_to_a_missing_file_or_heading_or_a_malformed_web_link_is_reported() {
    let root = tempfile::tempdir().expect("temporary folder");
    let write = |path: &str, text: &str| {
        let path = root.path().join(path);
        std::fs::create_dir_all(path.parent().expect("has a parent")).expect("folder");
        std::fs::write(path, text).expect("file");
    };
    write("src/lib.rs", "");
    write(
        "docs/guide.md",
        "# Guide\n\n## Setting up\n\n[ok](../src/lib.rs) [ok](../README.md#the-top) \
         [ok](#setting-up) [ok](https://example.org/a) [line](../src/lib.rs#L3)\n\n\
         [gone](../src/main.rs)\n[no heading](../README.md#nowhere)\n[here](#set-up)\n\
         [bad web](<https://exa mple.org>)\n[no host](https:///x)\n[ref][undefined]\n\
         [out](../../etc/passwd)\n\n```\n[in code](nowhere.md)\n```\n",
    );
    write("README.md", "# The top\n");
    let problems = broken_links(root.path());
    let expected = [
        "docs/guide.md:7: \"../src/main.rs\": no file src/main.rs",
        "docs/guide.md:8: \"../README.md#nowhere\": README.md has no heading with the anchor #nowhere",
        "docs/guide.md:9: \"#set-up\": docs/guide.md has no heading with the anchor #set-up",
        "docs/guide.md:10: a web link has a space in it",
        "docs/guide.md:11: the host of \"https:///x\" is not a host name",
        "docs/guide.md:12: the reference [undefined] is defined nowhere",
        "docs/guide.md:13: \"../../etc/passwd\" leads out of the repository",
    ];
    let mut problems = problems;
    problems.sort();
    let mut expected: Vec<String> = expected.map(String::from).to_vec();
    expected.sort();
    assert_eq!(problems, expected);
}
