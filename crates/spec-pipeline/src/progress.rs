//! Progress of the long steps, on stderr so that a report on stdout stays clean
//! (`cargo xtask diff --format markdown > report.md`).
//!
//! Every step prints its name when it starts and its duration when it ends, so a log (CI, a pipe)
//! shows what ran and for how long. On a terminal, a spinner from indicatif also shows what the
//! step is doing while it works; off a terminal indicatif draws nothing.

use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

/// One long step.
pub struct Step {
    name: String,
    started: Instant,
    spinner: Option<ProgressBar>,
}

impl Step {
    /// A step whose work is in this process: its name, then a spinner with [`Step::say`]'s
    /// messages until it ends.
    pub fn start(name: &str) -> Step {
        let mut step = Step::announce(name);
        let spinner = ProgressBar::new_spinner();
        spinner.set_style(
            ProgressStyle::with_template("    {spinner} {msg} ({elapsed})")
                .expect("a valid template"),
        );
        spinner.enable_steady_tick(Duration::from_millis(120));
        step.spinner = Some(spinner);
        step
    }

    /// A step whose work is another program that writes to the terminal itself: its name only,
    /// no spinner to garble that program's output.
    pub fn announce(name: &str) -> Step {
        eprintln!("==> {name}");
        Step {
            name: name.to_string(),
            started: Instant::now(),
            spinner: None,
        }
    }

    /// What the step is doing now (shown on a terminal only).
    pub fn say(&self, message: impl Into<String>) {
        if let Some(spinner) = &self.spinner {
            spinner.set_message(message.into());
        }
    }

    /// Ends the step and prints how long it took.
    pub fn finish(self) {
        if let Some(spinner) = &self.spinner {
            spinner.finish_and_clear();
        }
        eprintln!(
            "    {} done in {:.1} s",
            self.name,
            self.started.elapsed().as_secs_f64()
        );
    }
}

impl Drop for Step {
    fn drop(&mut self) {
        if let Some(spinner) = &self.spinner {
            spinner.finish_and_clear();
        }
    }
}
