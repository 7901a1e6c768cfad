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
    super::tools::ensure_node_tools(repo)?;
    super::tools::ensure_python_tools(repo)?;
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
    // openapi-python-client formats with ruff from PATH; without it, a warning.
    let inherited = std::env::var_os("PATH");
    let dirs =
        std::iter::once(venv_bin.clone()).chain(inherited.iter().flat_map(std::env::split_paths));
    let path = std::env::join_paths(dirs).map_err(|err| err.to_string())?;
    let mut packages = Vec::new();
    for vendor in &VENDORS {
        let input = publish::bundled_json_path(vendor);
        let target = out.join(vendor.name);
        run_step(
            repo,
            &format!("openapi-python-client generate --path {input}"),
            python_client(&venv_bin, &input, &target, vendor.name).env("PATH", &path),
        )?;
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

/// `openapi-python-client generate` of `input` into `target` with the vendor's config. The
/// published documents describe every body in a form the generator parses (JSON, and no body on
/// a 204), so any warning means a response it would leave unparsed: `--fail-on-warning` makes
/// the generator fail on it.
fn python_client(venv_bin: &Path, input: &str, target: &Path, vendor: &str) -> Command {
    let mut command = Command::new(venv_bin.join("openapi-python-client"));
    command
        .args(["generate", "--path", input, "--meta", "poetry"])
        .args(["--overwrite", "--fail-on-warning"])
        .arg("--output-path")
        .arg(target)
        .arg("--config")
        .arg(format!("clients/python/{vendor}.yaml"));
    command
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A response the generator cannot parse fails the step; the same document with a JSON
    /// response passes, so the test can fail either way.
    #[test]
    fn a_generator_warning_fails_the_python_client() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
        let venv_bin = repo.join(".venv/bin");
        if !venv_bin.join("openapi-python-client").exists() {
            eprintln!(
                "skipped: .venv has no openapi-python-client (`pip install -r requirements.txt`)"
            );
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        for (media_type, passes) in [("*/*", false), ("application/json", true)] {
            let spec = dir.path().join("spec.json");
            let document = serde_json::json!({
                "openapi": "3.0.3",
                "info": {"title": "t", "version": "1"},
                "paths": {"/a": {"get": {"operationId": "getA", "responses": {"200": {
                    "description": "x",
                    "content": {media_type: {"schema": {"type": "string"}}}
                }}}}}
            });
            std::fs::write(&spec, document.to_string()).unwrap();
            let output = python_client(
                &venv_bin,
                spec.to_str().unwrap(),
                &dir.path().join("out"),
                "attestr",
            )
            .current_dir(repo)
            .env("PATH", &venv_bin)
            .output()
            .unwrap();
            let text = String::from_utf8_lossy(&output.stdout);
            assert_eq!(output.status.success(), passes, "{media_type}: {text}");
        }
    }
}
