//! Saves are crash-safe: a save that fails or is killed at any point leaves the previous file,
//! which still loads unchanged, or the new one — never anything else.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use artist2vec_core::modelfile::{self, Header};

/// Two payloads of a few MB each, so that a save takes long enough to be killed inside it.
fn payload(tag: u8) -> Vec<u8> {
    (0..6_000_000u32)
        .map(|i| (i as u8).wrapping_mul(31) ^ tag)
        .collect()
}

fn header(tag: u8) -> Header {
    Header {
        kind: "crash-test".into(),
        version: 1,
        config: format!("{{\"tag\": {tag}}}"),
    }
}

fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("a2v-crash-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Reads `path` and says which of the two saves it holds.
fn which(path: &Path) -> u8 {
    let (h, p) = modelfile::read(path, "crash-test", &[1])
        .unwrap_or_else(|e| panic!("the file no longer loads: {e}"));
    let tag = if h == header(1) { 1 } else { 2 };
    assert_eq!(h, header(tag));
    assert!(p == payload(tag), "payload of save {tag} damaged");
    tag
}

/// The child side of the kill test: saves the two models in turn until killed.
#[test]
fn child_saves_forever() {
    let Some(path) = std::env::var_os("A2V_CRASH_CHILD_PATH") else {
        return; // only runs as the child of `a_killed_save_leaves_the_old_or_the_new_file`
    };
    let path = PathBuf::from(path);
    let (a, b) = (payload(1), payload(2));
    loop {
        modelfile::write(&path, &header(2), &b).unwrap();
        modelfile::write(&path, &header(1), &a).unwrap();
    }
}

#[test]
fn a_killed_save_leaves_the_old_or_the_new_file() {
    let d = dir("kill");
    let path = d.join("m.a2v");
    modelfile::write(&path, &header(1), &payload(1)).unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut seen = [false; 3];
    for round in 0..12u64 {
        let mut child = Command::new(&exe)
            .args([
                "child_saves_forever",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("A2V_CRASH_CHILD_PATH", &path)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("the test binary starts again as the child");
        // Kill it at different points of its saves.
        let wait = Duration::from_millis(40 + round * 37 % 200);
        let start = Instant::now();
        while start.elapsed() < wait {
            std::thread::sleep(Duration::from_millis(5));
        }
        child.kill().unwrap();
        child.wait().unwrap();
        seen[which(&path) as usize] = true;
    }
    // Temporary files of killed saves may remain beside it; they never replace the model.
    assert!(path.exists());
    eprintln!(
        "after 12 kills the file held save 1: {}, save 2: {}",
        seen[1], seen[2]
    );
    std::fs::remove_dir_all(&d).unwrap();
}

#[test]
fn a_failed_save_leaves_the_old_file_and_no_temporary() {
    let d = dir("fail");
    let path = d.join("m.a2v");
    modelfile::write(&path, &header(1), &payload(1)).unwrap();
    let err = modelfile::write_atomic(&path, |w| {
        w.write_all(&payload(2)[..1_000_000])?;
        Err(std::io::Error::other("disk full (injected)"))
    })
    .unwrap_err();
    assert!(err.to_string().contains("disk full (injected)"), "{err}");
    assert!(err.to_string().contains("m.a2v"), "{err}");
    assert_eq!(which(&path), 1);
    let left: Vec<_> = std::fs::read_dir(&d).unwrap().collect();
    assert_eq!(left.len(), 1, "a temporary file was left behind: {left:?}");
    // A save into a directory that does not exist fails and creates nothing.
    let missing = d.join("no-such-dir").join("m.a2v");
    assert!(modelfile::write(&missing, &header(2), &payload(2)).is_err());
    assert!(!missing.parent().unwrap().exists());
    std::fs::remove_dir_all(&d).unwrap();
}
