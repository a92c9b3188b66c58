#!/usr/bin/env python3
"""Writes data/lakh-mini: a small, synthetic stand-in for Lakh MIDI's lmd_aligned
folder + the Million Song Dataset's artist terms + match_scores.json, so that
examples/lakh_instruments.genre (study S0) runs out of the box.

Nothing here comes from Lakh or the MSD: every song is generated from a seeded
random generator with genre-dependent statistics (tempo, note density,
velocities, durations, patterns) for drums, piano, guitar and bass, plus a
strings track the instrument map drops. Run it again and the same bytes come
out (python3, standard library only):

    python3 data/lakh-mini/gen_lakh_mini.py

Writes, next to this script:
  lmd_aligned/<A>/<B>/<C>/<track id>/<md5>.mid   one or two MIDI files per track, as LMD names them
  match_scores.json                               {track id: {md5: score}}, as LMD's
  artist_term.db                                  SQLite, tables artist_term(artist_id, term, freq, weight)
                                                  and terms(term), as MSD's but with freq/weight filled
  tracks.csv                                      track_id, artist_id (what MSD's track_metadata.db holds)
"""
import hashlib
import json
import os
import random
import shutil
import sqlite3
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
SEED = 20240601
GENRES = ["pop rock", "ballad", "house"]
ARTISTS_PER_GENRE = 6
SONGS_PER_ARTIST = 4
SECONDS = 40  # per song: 160 steps of 0.25 s
TPQ = 480

# Genre statistics: tempo (bpm), velocity centre and spread per family.
STYLE = {
    "pop rock": {"bpm": (112, 132), "vel": {"drums": (100, 8), "piano": (80, 10), "guitar": (100, 8), "bass": (95, 6)}},
    "ballad": {"bpm": (62, 78), "vel": {"drums": (60, 6), "piano": (60, 12), "guitar": (55, 10), "bass": (65, 6)}},
    "house": {"bpm": (122, 128), "vel": {"drums": (105, 20), "piano": (90, 6), "guitar": (70, 6), "bass": (100, 15)}},
}
PROGRAM = {"piano": 0, "guitar": 29, "bass": 33, "strings": 48}
CHANNEL = {"piano": 0, "guitar": 1, "bass": 2, "strings": 3, "drums": 9}
PROGRESSIONS = [[0, 5, 3, 4], [0, 3, 4, 4], [5, 3, 0, 4], [0, 4, 5, 3]]  # scale degrees
MAJOR = [0, 2, 4, 5, 7, 9, 11]


def vlq(n):
    out = [n & 0x7F]
    n >>= 7
    while n:
        out.append(0x80 | (n & 0x7F))
        n >>= 7
    return bytes(reversed(out))


def track_chunk(events):
    """events: (tick, order, bytes); returns an MTrk chunk."""
    events.sort(key=lambda e: (e[0], e[1]))
    data, last = b"", 0
    for tick, _, ev in events:
        data += vlq(tick - last) + ev
        last = tick
    data += vlq(0) + b"\xff\x2f\x00"
    return b"MTrk" + struct.pack(">I", len(data)) + data


def smf(bpm, parts):
    """parts: {family: [(beat onset, beats long, pitch, velocity)]} -> format-1 file bytes."""
    tempo = int(round(60_000_000 / bpm))
    tracks = [track_chunk([(0, 0, b"\xff\x51\x03" + tempo.to_bytes(3, "big"))])]
    for fam, notes in parts.items():
        ch = CHANNEL[fam]
        ev = []
        if fam != "drums":
            ev.append((0, 0, bytes([0xC0 | ch, PROGRAM[fam]])))
        for onset, length, pitch, vel in notes:
            on = int(round(onset * TPQ))
            off = max(on + 1, int(round((onset + length) * TPQ)))
            ev.append((on, 2, bytes([0x90 | ch, pitch, vel])))
            ev.append((off, 1, bytes([0x80 | ch, pitch, 0])))
        tracks.append(track_chunk(ev))
    return b"MThd" + struct.pack(">IHHH", 6, 1, len(tracks), TPQ) + b"".join(tracks)


def song(rng, genre):
    st = STYLE[genre]
    bpm = rng.randint(*st["bpm"])
    beats = int(SECONDS * bpm / 60)
    key = rng.randint(0, 11)
    prog = rng.choice(PROGRESSIONS)

    def vel(fam):
        c, s = st["vel"][fam]
        return max(1, min(127, int(rng.gauss(c, s))))

    def chord(bar):
        d = prog[bar % 4]
        return [key + MAJOR[(d + i) % 7] + 12 * ((d + i) // 7) for i in (0, 2, 4)]

    parts = {f: [] for f in ("drums", "piano", "guitar", "bass", "strings")}
    for b in range(beats):
        bar, beat = divmod(b, 4)
        ch = chord(bar)
        root = ch[0]
        d = parts["drums"]
        if genre == "house":
            d.append((b, 0.25, 36, vel("drums")))                # four on the floor
            d.append((b + 0.5, 0.25, 46, vel("drums")))          # off-beat open hat
            if beat in (1, 3):
                d.append((b, 0.25, 39, vel("drums")))            # clap
            for s16 in (0.25, 0.75):
                if rng.random() < 0.6:
                    d.append((b + s16, 0.1, 42, vel("drums")))
        elif genre == "pop rock":
            if beat in (0, 2):
                d.append((b, 0.25, 36, vel("drums")))
            if beat in (1, 3):
                d.append((b, 0.25, 38, vel("drums")))
            d.append((b, 0.2, 42, vel("drums")))
            d.append((b + 0.5, 0.2, 42, vel("drums")))
            if beat == 3 and bar % 4 == 3:
                d.append((b + 0.5, 0.25, 49, vel("drums")))
        else:  # ballad
            if beat == 0:
                d.append((b, 0.5, 36, vel("drums")))
            if beat == 2:
                d.append((b, 0.5, 38, vel("drums")))
            d.append((b, 0.5, 42, vel("drums")))

        p = parts["piano"]
        if genre == "ballad":  # arpeggios, long notes
            for i, off in enumerate((0, 0.5)):
                p.append((b + off, 1.5, 60 + ch[(beat * 2 + i) % 3], vel("piano")))
        elif genre == "pop rock":  # chords on every beat
            for n in ch:
                p.append((b, 0.9, 60 + n, vel("piano")))
        else:  # house stabs on the off-beat
            if rng.random() < 0.7:
                for n in ch:
                    p.append((b + 0.5, 0.25, 60 + n, vel("piano")))

        g = parts["guitar"]
        if genre == "pop rock":  # power chords in eighths
            for off in (0, 0.5):
                for n in (root, root + 7, root + 12):
                    g.append((b + off, 0.45, 40 + n, vel("guitar")))
        elif genre == "ballad":
            if beat == 0:
                for i, n in enumerate(ch):
                    g.append((b + 0.1 * i, 3.5, 52 + n, vel("guitar")))
        else:
            if beat == 3 and rng.random() < 0.5:
                g.append((b + 0.75, 0.2, 64 + rng.choice(ch), vel("guitar")))

        bs = parts["bass"]
        if genre == "house":  # syncopated sixteenths
            for s16 in (0.5, 0.75):
                if rng.random() < 0.8:
                    bs.append((b + s16, 0.2, 36 + root + rng.choice((0, 0, 12)), vel("bass")))
        elif genre == "pop rock":
            for off in (0, 0.5):
                bs.append((b + off, 0.45, 28 + root, vel("bass")))
        else:
            if beat == 0:
                bs.append((b, 3.8, 28 + root, vel("bass")))

        if beat == 0 and rng.random() < 0.5:  # a strings pad the instrument map drops
            parts["strings"].append((b, 4, 60 + ch[0], 50))
    return bpm, parts


def track_id(rng):
    return "TR" + "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") for _ in range(16))


def main():
    rng = random.Random(SEED)
    root = os.path.join(HERE, "lmd_aligned")
    if os.path.isdir(root):
        shutil.rmtree(root)
    db_path = os.path.join(HERE, "artist_term.db")
    if os.path.exists(db_path):
        os.remove(db_path)

    matches, tracks, terms = {}, [], []
    n = 0
    for gi, genre in enumerate(GENRES):
        for a in range(ARTISTS_PER_GENRE):
            artist = "AR%016X" % (gi * 100 + a + 1)
            # The artist's own genre is its strongest term; some also carry a second
            # genre strongly (a song may have several), pop rock and ballad often,
            # house rarely, as in the paper's Table 1; weaker terms fall below 0.9.
            t = [(genre, 1.0)]
            second = {"pop rock": ("ballad", a % 2 == 1), "ballad": ("pop rock", a % 3 == 0),
                      "house": ("pop rock", a == 5)}[genre]
            if second[1]:
                t.append((second[0], round(rng.uniform(0.9, 1.0), 6)))
            else:
                t.append((second[0], round(rng.uniform(0.3, 0.8), 6)))
            for extra in rng.sample(["80s", "guitar", "female vocalist", "dance", "soft rock", "electronic"], 2):
                t.append((extra, round(rng.uniform(0.2, 0.85), 6)))
            scale = rng.uniform(0.5, 1.0)  # artists differ in scale: why the paper normalises per artist
            for term, f in t:
                terms.append((artist, term, round(f * scale, 6), round(rng.uniform(0.5, 1.0), 6)))
            for s in range(SONGS_PER_ARTIST):
                tid = track_id(rng)
                tracks.append((tid, artist))
                folder = os.path.join(root, tid[2], tid[3], tid[4], tid)
                os.makedirs(folder, exist_ok=True)
                matches[tid] = {}
                for version in range(1 + (n % 5 == 0)):  # some tracks have two MIDI files
                    bpm, parts = song(rng, genre)
                    data = smf(bpm, parts)
                    md5 = hashlib.md5(data).hexdigest()
                    with open(os.path.join(folder, md5 + ".mid"), "wb") as f:
                        f.write(data)
                    matches[tid][md5] = round(rng.uniform(0.55, 0.95), 6)
                n += 1

    with open(os.path.join(HERE, "match_scores.json"), "w") as f:
        json.dump(matches, f, indent=1, sort_keys=True)
        f.write("\n")
    with open(os.path.join(HERE, "tracks.csv"), "w") as f:
        f.write("track_id,artist_id\n")
        for tid, artist in tracks:
            f.write(f"{tid},{artist}\n")
    db = sqlite3.connect(db_path)
    db.execute("CREATE TABLE artist_term (artist_id text, term text, freq real, weight real)")
    db.execute("CREATE TABLE terms (term text)")
    db.executemany("INSERT INTO artist_term VALUES (?, ?, ?, ?)", terms)
    db.executemany("INSERT INTO terms VALUES (?)", sorted({(t[1],) for t in terms}))
    db.commit()
    db.close()
    print(f"{n} tracks, {sum(len(m) for m in matches.values())} MIDI files, {len(terms)} artist terms")


if __name__ == "__main__":
    main()
