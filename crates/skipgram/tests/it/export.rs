//! word2vec and .npy files, checked against files written by gensim 4.4.0 and NumPy
//! (`tests/fixtures/make_gensim_fixture.py`).

use std::path::PathBuf;

use artist2vec_core::{Embeddings, Fit, Vocabulary};
use artist2vec_skipgram::{
    SkipGramConfig, SkipGramError, Word2VecFormat, read_npy, read_npy_matrix, read_word2vec,
    write_npy, write_npy_matrix, write_word2vec,
};

use crate::synth::world;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("a2v-skipgram-export-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn same(a: &Embeddings, b: &Embeddings) {
    assert_eq!(a.vocab().ids(), b.vocab().ids());
    assert_eq!(a.dim(), b.dim());
    let bits = |e: &Embeddings| e.as_slice().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(a), bits(b));
}

#[test]
fn reads_gensims_files_and_writes_them_byte_for_byte() {
    for stem in ["special", "trained"] {
        let reference = read_npy(
            fixture(&format!("{stem}.npy")),
            fixture(&format!("{stem}.vocab")),
        )
        .unwrap();
        let text = read_word2vec(fixture(&format!("{stem}.txt")), Word2VecFormat::Text).unwrap();
        let bin = read_word2vec(fixture(&format!("{stem}.bin")), Word2VecFormat::Binary).unwrap();
        same(&text, &reference);
        same(&bin, &reference);

        for (format, ext) in [
            (Word2VecFormat::Text, "txt"),
            (Word2VecFormat::Binary, "bin"),
        ] {
            let out = tmp(&format!("{stem}.{ext}"));
            write_word2vec(&reference, &out, format).unwrap();
            assert_eq!(
                std::fs::read(&out).unwrap(),
                std::fs::read(fixture(&format!("{stem}.{ext}"))).unwrap(),
                "{stem}.{ext} differs from gensim's"
            );
        }
        let (npy, voc) = (tmp(&format!("{stem}.npy")), tmp(&format!("{stem}.vocab")));
        write_npy(&reference, &npy, &voc).unwrap();
        assert_eq!(
            std::fs::read(&npy).unwrap(),
            std::fs::read(fixture(&format!("{stem}.npy"))).unwrap()
        );
        assert_eq!(
            std::fs::read(&voc).unwrap(),
            std::fs::read(fixture(&format!("{stem}.vocab"))).unwrap()
        );
    }
    let special = read_npy(fixture("special.npy"), fixture("special.vocab")).unwrap();
    assert_eq!(special.vocab().id(4), "坂本龍一");
    assert_eq!(special.row(1).unwrap()[0], 1e-5);
}

#[test]
fn reads_word2vec_c_binary_with_newlines() {
    // word2vec.c ends every row with '\n'; gensim strips it from the next id.
    let mut bytes = b"2 2\n".to_vec();
    for (id, v) in [("a", [1.0f32, -2.0]), ("b", [0.5, 3.0])] {
        bytes.extend_from_slice(id.as_bytes());
        bytes.push(b' ');
        for x in v {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
        bytes.push(b'\n');
    }
    let p = tmp("c.bin");
    std::fs::write(&p, &bytes).unwrap();
    let e = read_word2vec(&p, Word2VecFormat::Binary).unwrap();
    assert_eq!(e.vocab().ids(), &["a".to_string(), "b".to_string()]);
    assert_eq!(e.as_slice(), &[1.0, -2.0, 0.5, 3.0]);
}

#[test]
fn trained_model_roundtrips_through_every_format() {
    let m = SkipGramConfig::new(12)
        .with_min_count(1)
        .with_epochs(2)
        .with_threads(1)
        .fit(&world().sessions())
        .unwrap();
    let kv = m.keyed_vectors().unwrap();
    for format in [Word2VecFormat::Text, Word2VecFormat::Binary] {
        let p = tmp(&format!("model-{format:?}"));
        write_word2vec(&kv, &p, format).unwrap();
        same(&read_word2vec(&p, format).unwrap(), &kv);
    }
    let (npy, voc) = (tmp("model.npy"), tmp("model.vocab"));
    write_npy(&kv, &npy, &voc).unwrap();
    same(&read_npy(&npy, &voc).unwrap(), &kv);
    let out = m.output_keyed_vectors().unwrap();
    write_npy_matrix(&npy, out.len(), out.dim(), out.as_slice()).unwrap();
    let (r, c, data) = read_npy_matrix(&npy).unwrap();
    assert_eq!((r, c), (out.len(), 12));
    assert_eq!(data, out.as_slice());
}

#[test]
fn malformed_files_name_file_and_line() {
    let cases: [(&str, &[u8], u64, &str); 6] = [
        ("hdr.txt", b"two 3\n", 1, "header"),
        ("short.txt", b"2 2\na 1 2\n", 3, "unexpected end"),
        ("count.txt", b"1 3\na 1 2\n", 2, "expected 3 values"),
        ("nan.txt", b"1 2\na 1 zz\n", 2, "not a number"),
        ("dup.txt", b"2 1\na 1\na 2\n", 3, "duplicate"),
        ("trunc.bin", b"1 2\na \x00\x00\x80", 2, "end of file"),
    ];
    for (name, content, line, what) in cases {
        let p = tmp(name);
        std::fs::write(&p, content).unwrap();
        let format = if name.ends_with(".bin") {
            Word2VecFormat::Binary
        } else {
            Word2VecFormat::Text
        };
        match read_word2vec(&p, format) {
            Err(SkipGramError::Parse {
                path,
                line: l,
                message,
            }) => {
                assert_eq!(path, p);
                assert_eq!(l, line, "{name}: {message}");
                assert!(message.contains(what), "{name}: {message}");
            }
            other => panic!("{name}: {other:?}"),
        }
    }
    let p = tmp("not.npy");
    std::fs::write(&p, b"hello").unwrap();
    assert!(matches!(
        read_npy_matrix(&p),
        Err(SkipGramError::Parse { .. })
    ));
    let mut f64_npy = std::fs::read(fixture("special.npy")).unwrap();
    let at = f64_npy.windows(3).position(|w| w == b"<f4").unwrap();
    f64_npy[at + 2] = b'8';
    std::fs::write(&p, &f64_npy).unwrap();
    assert!(
        read_npy_matrix(&p)
            .unwrap_err()
            .to_string()
            .contains("float32")
    );
    let good = std::fs::read(fixture("special.npy")).unwrap();
    std::fs::write(&p, &good[..good.len() - 4]).unwrap();
    assert!(
        read_npy_matrix(&p)
            .unwrap_err()
            .to_string()
            .contains("data bytes")
    );
    let voc = tmp("short.vocab");
    std::fs::write(&voc, "a\nb\n").unwrap();
    std::fs::write(&p, &good).unwrap();
    assert!(matches!(
        read_npy(&p, &voc),
        Err(SkipGramError::Parse { .. })
    ));
}

#[test]
fn ids_that_the_formats_cannot_hold_are_refused() {
    let v = Vocabulary::from_ids(["Pink Floyd", "ok"]).unwrap();
    let e = Embeddings::new(v, 1, vec![1.0, 2.0]).unwrap();
    let err = write_word2vec(&e, tmp("space.txt"), Word2VecFormat::Text).unwrap_err();
    assert!(matches!(err, SkipGramError::Export(_)), "{err}");
    // Spaces are fine in a vocabulary file, line breaks are not.
    write_npy(&e, tmp("space.npy"), tmp("space.vocab")).unwrap();
    let v = Vocabulary::from_ids(["a\nb"]).unwrap();
    let e = Embeddings::new(v, 1, vec![1.0]).unwrap();
    assert!(write_npy(&e, tmp("nl.npy"), tmp("nl.vocab")).is_err());
}

#[test]
fn word2vec_headers_larger_than_the_file_are_refused_before_allocating() {
    for (name, format, header) in [
        ("huge.bin", Word2VecFormat::Binary, "1 100000000000\n"),
        ("huge.txt", Word2VecFormat::Text, "1 100000000000\n"),
        ("rows.bin", Word2VecFormat::Binary, "100000000000 4\n"),
        (
            "overflow.txt",
            Word2VecFormat::Text,
            "18446744073709551615 18446744073709551615\n",
        ),
    ] {
        let p = tmp(name);
        std::fs::write(&p, format!("{header}a 1 2 3 4\n")).unwrap();
        let err = read_word2vec(&p, format).unwrap_err().to_string();
        assert!(
            err.contains(name) && err.contains("header announces"),
            "{err}"
        );
    }
    // An empty table with a large dimension is still fine.
    let p = tmp("empty.txt");
    std::fs::write(&p, "0 300\n").unwrap();
    let e = read_word2vec(&p, Word2VecFormat::Text).unwrap();
    assert_eq!((e.len(), e.dim()), (0, 300));
}
