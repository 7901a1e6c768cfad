//! The documentation a reader follows: every relative link in the README, the guides under
//! `docs/`, `spec/README.md` and each crate's README resolves to a file of the repository (and a
//! link to a heading of a Markdown file, to that heading), and every command of the README's
//! quickstart blocks exists: `cargo xtask …` accepts its arguments (`--help` appended exits 0),
//! and `cargo run|build -p PKG [--example E]` and a built binary name a package and target of the
//! workspace (`cargo metadata`). The `vendor-erase` lines are run with `--help` by the erasure
//! crate's own test, which has that binary.

#[allow(dead_code)] // the scratch copy is for the other test files; this one reads the tree
mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::repo_root;

/// The Markdown files a reader is sent to.
fn documents(repo: &Path) -> Vec<PathBuf> {
    let mut files = vec![repo.join("README.md"), repo.join("spec/README.md")];
    for dir in ["docs", "crates"] {
        for entry in std::fs::read_dir(repo.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|ext| ext == "md") {
                files.push(path);
            } else if path.join("README.md").is_file() {
                files.push(path.join("README.md"));
            }
        }
    }
    files.sort();
    files
}

/// The lines of `text` outside fenced code blocks, with inline code spans blanked out.
fn prose_lines(text: &str) -> Vec<String> {
    let mut in_fence = false;
    let mut lines = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            continue;
        }
        let mut prose = String::new();
        let mut in_code = false;
        for ch in line.chars() {
            if ch == '`' {
                in_code = !in_code;
            }
            prose.push(if in_code || ch == '`' { ' ' } else { ch });
        }
        lines.push(prose);
    }
    lines
}

/// Every `[text](target)` and `![alt](target)` target in `text`, outside code.
fn link_targets(text: &str) -> Vec<String> {
    let mut targets = Vec::new();
    for line in prose_lines(text) {
        let mut rest = line.as_str();
        while let Some(at) = rest.find("](") {
            let after = &rest[at + 2..];
            let end = after.find(')').unwrap_or(after.len());
            targets.push(after[..end].trim().to_string());
            rest = &after[end..];
        }
    }
    targets
}

/// GitHub's anchor for a heading: lowercase, letters, digits, `-` and `_` kept, spaces to `-`.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|ch| match ch {
            ' ' => Some('-'),
            ch if ch.is_alphanumeric() || ch == '-' || ch == '_' => Some(ch),
            _ => None,
        })
        .collect()
}

fn anchors(text: &str) -> BTreeSet<String> {
    let mut in_fence = false;
    let mut found = BTreeSet::new();
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            in_fence = !in_fence;
        } else if !in_fence && line.starts_with('#') {
            found.insert(slug(line.trim_start_matches('#')));
        }
    }
    found
}

fn broken_links(repo: &Path) -> Vec<String> {
    let mut broken = Vec::new();
    for doc in documents(repo) {
        let text = std::fs::read_to_string(&doc).unwrap();
        let shown = doc.strip_prefix(repo).unwrap().display().to_string();
        for target in link_targets(&text) {
            if target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            let (path, anchor) = target.split_once('#').unwrap_or((&target, ""));
            let file = if path.is_empty() {
                doc.clone()
            } else {
                doc.parent().unwrap().join(path)
            };
            if !file.exists() {
                broken.push(format!("{shown}: `{target}`: no such file"));
                continue;
            }
            let is_markdown = file.extension().is_some_and(|ext| ext == "md");
            if !anchor.is_empty() && is_markdown {
                let heading_anchors = anchors(&std::fs::read_to_string(&file).unwrap());
                if !heading_anchors.contains(anchor) {
                    broken.push(format!("{shown}: `{target}`: no such heading"));
                }
            }
        }
    }
    broken
}

#[test]
fn every_relative_link_in_the_docs_resolves() {
    let repo = repo_root();
    assert!(link_targets(&std::fs::read_to_string(repo.join("README.md")).unwrap()).len() > 10);
    let broken = broken_links(&repo);
    assert!(
        broken.is_empty(),
        "broken links:\n  {}",
        broken.join("\n  ")
    );
}

#[test]
fn a_broken_link_or_anchor_is_found() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path();
    std::fs::create_dir_all(repo.join("docs")).unwrap();
    std::fs::create_dir_all(repo.join("crates")).unwrap();
    std::fs::create_dir_all(repo.join("spec")).unwrap();
    std::fs::write(repo.join("spec/README.md"), "# Spec\n").unwrap();
    std::fs::write(
        repo.join("docs/guide.md"),
        "# Guide\n\n## The `x` rule: one, two\n\n```sh\n# not a heading\n```\n",
    )
    .unwrap();
    std::fs::write(
        repo.join("README.md"),
        "[ok](docs/guide.md#the-x-rule-one-two) [gone](docs/missing.md) \
         [bad anchor](docs/guide.md#not-a-heading) `[in code](nowhere.md)` \
         [web](https://example.com/x.md)\n",
    )
    .unwrap();
    assert_eq!(
        broken_links(repo),
        [
            "README.md: `docs/missing.md`: no such file",
            "README.md: `docs/guide.md#not-a-heading`: no such heading",
        ]
    );
}

/// The commands of the README's quickstart blocks (the `sh` blocks under "Quickstart by role"):
/// continuation lines joined, comments and leading `NAME=value` assignments dropped, and the
/// command inside `eval "$(…)"` read as the command.
fn quickstart_commands(readme: &str) -> Vec<Vec<String>> {
    let section = readme
        .split_once("## Quickstart by role")
        .map(|(_, rest)| rest.split("\n## ").next().unwrap_or(rest))
        .expect("the README has a \"Quickstart by role\" section");
    let mut commands = Vec::new();
    let mut in_block = false;
    let mut pending = String::new();
    for line in section.lines() {
        if line.starts_with("```") {
            in_block = line == "```sh";
            continue;
        }
        if !in_block {
            continue;
        }
        let code = line.split(" #").next().unwrap_or("").trim_end();
        if let Some(continued) = code.strip_suffix('\\') {
            pending.push_str(continued);
            continue;
        }
        pending.push_str(code);
        let command = match pending.trim().strip_prefix("eval \"$(") {
            Some(inner) => inner.strip_suffix(")\"").unwrap_or(inner).to_string(),
            None => pending.clone(),
        };
        let words: Vec<String> = command
            .split_whitespace()
            .skip_while(|word| word.contains('=') && !word.starts_with('-'))
            .map(str::to_string)
            .collect();
        if !words.is_empty() && !words[0].starts_with('#') {
            commands.push(words);
        }
        pending.clear();
    }
    commands
}

/// The workspace's packages with their targets, as `(package, kind, target)`.
fn workspace_targets(repo: &Path) -> BTreeSet<(String, String, String)> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(repo)
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let mut targets = BTreeSet::new();
    for package in metadata["packages"].as_array().unwrap() {
        let name = package["name"].as_str().unwrap();
        for target in package["targets"].as_array().unwrap() {
            for kind in target["kind"].as_array().unwrap() {
                targets.insert((
                    name.to_string(),
                    kind.as_str().unwrap().to_string(),
                    target["name"].as_str().unwrap().to_string(),
                ));
            }
        }
    }
    targets
}

fn flag_value<'a>(words: &'a [String], flag: &str) -> Option<&'a str> {
    let at = words.iter().position(|word| word == flag)?;
    words.get(at + 1).map(String::as_str)
}

#[test]
fn every_quickstart_command_exists() {
    let repo = repo_root();
    let readme = std::fs::read_to_string(repo.join("README.md")).unwrap();
    let commands = quickstart_commands(&readme);
    assert!(commands.len() >= 8, "{commands:?}");
    let targets = workspace_targets(&repo);
    let has = |package: &str, kind: &str, target: Option<&str>| {
        targets
            .iter()
            .any(|(p, k, t)| p == package && k == kind && target.is_none_or(|name| name == t))
    };
    let mut problems = Vec::new();
    for words in &commands {
        let line = words.join(" ");
        match words.iter().map(String::as_str).collect::<Vec<_>>()[..] {
            ["cargo", "xtask", ref args @ ..] => {
                let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
                    .args(args)
                    .arg("--help")
                    .current_dir(&repo)
                    .output()
                    .unwrap();
                if !output.status.success() {
                    problems.push(format!(
                        "`{line}`: --help exits {}: {}",
                        output.status,
                        String::from_utf8_lossy(&output.stderr)
                    ));
                }
            }
            ["cargo", "run" | "build", ..] => {
                let Some(package) = flag_value(words, "-p") else {
                    problems.push(format!("`{line}`: names no package (-p)"));
                    continue;
                };
                let found = match flag_value(words, "--example") {
                    Some(example) => has(package, "example", Some(example)),
                    None => has(package, "bin", None),
                };
                if !found {
                    problems.push(format!("`{line}`: no such package or target"));
                }
            }
            [program, ..] => {
                let binary = program.rsplit('/').next().unwrap();
                if !targets
                    .iter()
                    .any(|(_, kind, name)| kind == "bin" && name == binary)
                {
                    problems.push(format!(
                        "`{line}`: `{binary}` is no binary of the workspace"
                    ));
                }
            }
            [] => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn quickstart_commands_are_read_as_a_reader_types_them() {
    let readme = "# x\n## Quickstart by role\n### a\n```sh\n\
                  cargo xtask diff main   # a comment\n\
                  KEY=v OTHER=w \\\n  cargo run -p p --example e\n\
                  eval \"$(cargo run -q -p p -- --print-env)\"   # configure\n\
                  ```\n```text\nnot a command\n```\n## Next\n```sh\nignored\n```\n";
    assert_eq!(
        quickstart_commands(readme),
        [
            vec!["cargo", "xtask", "diff", "main"],
            vec!["cargo", "run", "-p", "p", "--example", "e"],
            vec!["cargo", "run", "-q", "-p", "p", "--", "--print-env"],
        ]
    );
}
