//! Proof that other languages can use the published spec (`spec/dist/`), run by
//! `cargo xtask test`:
//!
//! 1. openapi-spec-validator accepts every published file (bundled JSON and YAML, dereferenced
//!    JSON).
//! 2. TypeScript: openapi-typescript generates types from each vendor's bundled YAML and from its
//!    dereferenced JSON; `tsc --strict` compiles each set with `clients/typescript/usage.ts`,
//!    which calls every starting operation with typed arguments.
//! 3. Python: openapi-python-client generates a client from each bundled JSON; pip builds and
//!    installs it (offline, into a scratch directory); pytest runs `clients/python/` against a
//!    freshly started `vendor-sandbox` on a free loopback port.
//!
//! Everything generated goes to `target/other-languages/`, never into the repository. Every tool
//! is pinned: `package-lock.json` (openapi-typescript, typescript) and `requirements.txt`
//! (openapi-python-client, poetry-core as its build backend, pytest).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use spec_pipeline::publish;
use spec_pipeline::vendors::VENDORS;

use super::process::run_step;
use super::sandbox_process::{SandboxProcess, sandbox_binary};

/// Where the generated TypeScript and Python go (`clients/typescript/tsconfig*.json` point here).
const OUTPUT_DIR: &str = "target/other-languages";

pub fn run(repo: &Path) -> Result<(), String> {
    super::tools::ensure_tools(repo)?;
    validate_published(repo)?;
    typescript(repo)?;
    python(repo)
}

fn validate_published(repo: &Path) -> Result<(), String> {
    let mut validator = Command::new(repo.join(".venv/bin/openapi-spec-validator"));
    for vendor in &VENDORS {
        validator.args([
            publish::bundled_json_path(vendor),
            publish::bundled_yaml_path(vendor),
            publish::dereferenced_json_path(vendor),
        ]);
    }
    run_step(repo, "openapi-spec-validator spec/dist", &mut validator)
}

/// A fresh, empty output directory under [`OUTPUT_DIR`].
fn fresh_dir(repo: &Path, name: &str) -> Result<PathBuf, String> {
    let dir = repo.join(OUTPUT_DIR).join(name);
    match std::fs::remove_dir_all(&dir) {
        Ok(()) => {}
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
        Err(err) => return Err(format!("{}: {err}", dir.display())),
    }
    std::fs::create_dir_all(&dir).map_err(|err| format!("{}: {err}", dir.display()))?;
    Ok(dir)
}

fn typescript(repo: &Path) -> Result<(), String> {
    let out = fresh_dir(repo, "typescript")?;
    let node_bin = repo.join("node_modules/.bin");
    for vendor in &VENDORS {
        let inputs = [
            ("bundled", publish::bundled_yaml_path(vendor)),
            ("dereferenced", publish::dereferenced_json_path(vendor)),
        ];
        for (flavour, input) in inputs {
            let output = out.join(flavour).join(format!("{}.ts", vendor.name));
            run_step(
                repo,
                &format!("openapi-typescript {input}"),
                Command::new(node_bin.join("openapi-typescript"))
                    .arg(&input)
                    .arg("--output")
                    .arg(&output)
                    // The root redocly.yaml extends `diff-recommended`, which the Redocly core
                    // bundled in openapi-typescript does not know.
                    .args(["--redocly", "clients/typescript/redocly.yaml"]),
            )?;
        }
    }
    for config in [
        "clients/typescript/tsconfig.json",
        "clients/typescript/tsconfig.dereferenced.json",
    ] {
        run_step(
            repo,
            &format!("tsc --strict -p {config}"),
            Command::new(node_bin.join("tsc")).args(["-p", config]),
        )?;
    }
    Ok(())
}

fn python(repo: &Path) -> Result<(), String> {
    ensure_python_packages(repo)?;
    let out = fresh_dir(repo, "python")?;
    let venv_bin = repo.join(".venv/bin");
    // openapi-python-client formats with ruff from PATH; without it formatting is skipped silently.
    let inherited = std::env::var_os("PATH");
    let dirs =
        std::iter::once(venv_bin.clone()).chain(inherited.iter().flat_map(std::env::split_paths));
    let path = std::env::join_paths(dirs).map_err(|err| err.to_string())?;
    let mut packages = Vec::new();
    for vendor in &VENDORS {
        let input = publish::bundled_json_path(vendor);
        let target = out.join(vendor.name);
        let name = format!("openapi-python-client generate --path {input}");
        println!("==> {name}");
        let output = Command::new(venv_bin.join("openapi-python-client"))
            .current_dir(repo)
            .env("PATH", &path)
            .args([
                "generate",
                "--path",
                &input,
                "--meta",
                "poetry",
                "--overwrite",
            ])
            .arg("--output-path")
            .arg(&target)
            .arg("--config")
            .arg(format!("clients/python/{}.yaml", vendor.name))
            .output()
            .map_err(|err| format!("{name}: could not start: {err}"))?;
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        if !output.status.success() {
            return Err(format!("{name} failed ({}):\n{text}", output.status));
        }
        // The published documents describe every body in a form the generator parses (JSON,
        // and no body on a 204), so any warning means a response it would leave unparsed.
        let warnings = python_warnings(&text);
        if !warnings.is_empty() {
            return Err(format!(
                "{name}: openapi-python-client warned:\n{}",
                warnings.join("\n\n")
            ));
        }
        packages.push(target);
    }
    let site = out.join("site");
    run_step(
        repo,
        "pip install the generated clients (offline, into target/)",
        Command::new(venv_bin.join("python"))
            .args(
                "-m pip install --quiet --no-deps --no-index --no-build-isolation \
                 --disable-pip-version-check --target"
                    .split_whitespace(),
            )
            .arg(&site)
            .args(&packages),
    )?;

    let binary = sandbox_binary(repo)?;
    let sandbox = SandboxProcess::start(&binary, &[])?;
    println!("    sandbox at {}", sandbox.url());
    run_step(
        repo,
        "pytest clients/python (against vendor-sandbox)",
        Command::new(venv_bin.join("python"))
            .args("-m pytest clients/python -q -p no:cacheprovider".split(' '))
            .env("SANDBOX_URL", sandbox.url())
            .env("PYTHONPATH", &site)
            .env("PYTHONDONTWRITEBYTECODE", "1"),
    )
}

/// Installs `requirements.txt` into `.venv` when a package this step needs is missing (a virtualenv
/// made before the package was pinned).
fn ensure_python_packages(repo: &Path) -> Result<(), String> {
    let probe = Command::new(repo.join(".venv/bin/python"))
        .args(["-c", "import poetry.core, pytest, openapi_python_client"])
        .stderr(Stdio::null())
        .status()
        .map_err(|err| format!("could not run .venv/bin/python: {err}"))?;
    if probe.success() {
        return Ok(());
    }
    super::tools::install_python_requirements(repo)
}

/// The warnings in openapi-python-client's output, one block each.
fn python_warnings(output: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in output.lines() {
        if line.starts_with("WARNING") {
            blocks.extend(current.take());
            current = Some(String::new());
        }
        if let Some(block) = current.as_mut() {
            block.push_str(line);
            block.push('\n');
        }
    }
    blocks.extend(current);
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_python_warning_is_found() {
        let output = "Generating x\nWarning(s) encountered while generating.\nWARNING parsing POST /v1/users within users.\n\nCannot parse response for status code 201 (Unsupported content_type */*), response will be omitted\n\nWARNING parsing GET /a within a.\n\nUnsupported enum type\n";
        let warnings = python_warnings(output);
        assert_eq!(warnings.len(), 2);
        assert!(warnings[0].contains("*/*"));
        assert!(warnings[1].contains("Unsupported enum type"));
        assert!(python_warnings("Generating x\n").is_empty());
    }
}
