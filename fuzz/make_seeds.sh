#!/bin/sh
# Writes fuzz/seeds/<target>/: the data crate's fixtures, files of `artist2vec synth`, a model
# file of every registered family (fitted by the CLI on a small TSV), each family's default
# configuration, a dataset file and small word2vec/.npy files, in each harness's input layout
# (tests/fuzzing.rs: first byte options, files cut at 0xFF bytes). Usage, from the repository
# root: fuzz/make_seeds.sh path/to/release/artist2vec
set -e
B=${1:?path to the artist2vec binary}
T=$(mktemp -d)
for t in idomaar lastfm1k hetrec mpd table split dataset model word2vec config; do mkdir -p fuzz/seeds/$t; done
"$B" -q synth --preset tiny --out "$T/syn" >/dev/null
"$B" -q ingest "$T/syn/plays.tsv" --out "$T/d.a2vd" >/dev/null
python3 - "$T" <<'PY'
import random, sys
random.seed(1)
rows = ['user\titem\tweight']
for u in range(25):
    for i in random.sample(range(40), 8):
        rows.append(f'u{u}\ta{i}\t{random.randint(1, 9)}')
open(sys.argv[1] + '/train.tsv', 'w').write('\n'.join(rows) + '\n')
PY
i=0
# The order of artist2vec::registry() plus the burn models (the harness picks kinds by index).
for m in popularity item-knn user-knn svd als wmf bpr ease rp3beta skipgram burn-skipgram two-tower; do
  case $m in
    skipgram|burn-skipgram) c='{"dim": 4, "epochs": 1, "min_count": 1}';;
    two-tower) c='{"dim": 4, "epochs": 1}';;
    als|wmf|bpr|svd) c='{"factors": 3}';;
    *) c='{}';;
  esac
  "$B" -q fit --model $m --config "$c" --train "$T/train.tsv" --out "$T/$m.a2v" >/dev/null
  "$B" -q config --model $m > "$T/$m.json"
  echo "$i $m" >> "$T/list"
  i=$((i + 1))
done
python3 - "$T" <<'PY'
import os, struct, sys
T = sys.argv[1]; FX = 'crates/data/tests/fixtures'; S = 'fuzz/seeds'; SEP = b'\xff'
rd = lambda p: open(p, 'rb').read() if os.path.exists(p) else b''
def w(t, n, b): open(f'{S}/{t}/{n}', 'wb').write(b)
ido = [rd(f'{FX}/30music/{n}.idomaar') for n in ['tracks', 'persons', 'users', 'tags', 'sessions', 'playlist', 'love']]
for o in [0, 1, 0x86]: w('idomaar', f'fixture-{o}', bytes([o]) + SEP.join(ido))
het = [rd(f'{FX}/hetrec/{n}.dat') for n in ['user_artists', 'artists', 'tags', 'user_taggedartists', 'user_friends']]
w('hetrec', 'fixture', b'\0' + SEP.join(het))
lf = rd(f'{FX}/lastfm1k/userid-timestamp-artid-artname-traid-traname.tsv')
for o in [0, 9, 0x84]: w('lastfm1k', f'fixture-{o}', bytes([o]) + lf)
for f in ['mpd.slice.0-1.json', 'mpd.slice.2-2.json']: w('mpd', f, b'\0' + rd(f'{FX}/mpd/{f}'))
for f, o in [('plays.csv', 0), ('plays.tsv', 2), ('plays.csv', 0x80)]: w('table', f'{f}-{o}', bytes([o]) + rd(f'{FX}/table/{f}'))
for o in [4, 0x84]: w('table', f'synth-{o}', bytes([o]) + rd(f'{T}/syn/plays.parquet'))
w('split', 'small', SEP.join([b'user\titem\tweight\nu1\ta\t3\nu2\tb\t1.5\nu3\tc\t2\n', b'user\titem\tweight\nu1\tb\t1\n']))
w('split', 'val-time', SEP.join([b'user\titem\tweight\ttimestamp\nu1\ta\t3\t100\nu2\tb\t1.5\t200\n',
                                 b'user\titem\tweight\ttimestamp\nu1\tb\t1\t300\n',
                                 b'user\titem\tweight\ttimestamp\nu2\ta\t2\t250\n']))
w('word2vec', 'text', b'\0' + b'3 2\na 0.5 -1\nbb 0 2.5\nSigur_R\xc3\xb3s 0.001 3\n')
vecs = [(b'a', (0.5, -1)), (b'bb', (0, 2.5)), (b'c', (1e-3, 3))]
w('word2vec', 'binary', b'\x01' + b'3 2\n' + b''.join(n + b' ' + struct.pack('<2f', *v) + b'\n' for n, v in vecs))
hdr = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }"
hdr = hdr + ' ' * (64 - 10 - len(hdr) - 1) + '\n'
npy = b'\x93NUMPY\x01\x00' + struct.pack('<H', len(hdr)) + hdr.encode() + struct.pack('<6f', 0.5, -1, 0, 2.5, 1e-3, 3)
w('word2vec', 'npy', b'\x02' + npy + SEP + b'a\nbb\nc\n')
def parse(p):
    b = open(p, 'rb').read(); o = 12
    kl, = struct.unpack_from('<I', b, o); o += 4 + kl
    ver, = struct.unpack_from('<I', b, o); o += 4
    cl, = struct.unpack_from('<Q', b, o); o += 8; cfg = b[o:o + cl]; o += cl
    pl, = struct.unpack_from('<Q', b, o); o += 8
    return b, ver, cfg, b[o:o + pl]
for line in open(f'{T}/list'):
    i, m = line.split(); i = int(i)
    b, ver, cfg, pay = parse(f'{T}/{m}.a2v')
    w('model', f'{m}-raw', bytes([i << 1]) + b)
    w('model', f'{m}-parts', bytes([(i << 1) | 1, ver]) + cfg + SEP + pay)
    w('config', m, bytes([i]) + rd(f'{T}/{m}.json'))
b, ver, cfg, pay = parse(f'{T}/d.a2vd')
w('dataset', 'raw', b'\0' + b); w('dataset', 'raw-detect', b'\2' + b)
w('dataset', 'parts', bytes([1, ver]) + cfg + SEP + pay)
PY
rm -rf "$T"
