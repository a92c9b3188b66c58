#!/usr/bin/python3
# Writes the MIDI test files of tests/ops/midi_*.cpp and their reference notes.
#   /usr/bin/python3 tests/data/midi/gen_midi.py   (needs Debian's python3-mido)
#
# good/*.mid   : hand-made and seeded-random SMF files (raw bytes written here, so
#                running status, overlaps and track merging are exercised);
# notes.csv    : their notes as mido 1.2.10 reads them, with the conventions of
#                shared/data/midi-ref (FIFO note-offs, program at note-on, open notes
#                closed at the last event, order by onset, channel, pitch);
# summary.csv  : per file: notes and end time (s);
# broken/*.mid : damaged copies, one per kind of damage; broken.csv says where
#                (byte offset) and what the reader must report.
import csv, collections, os, random, struct
import mido

here = os.path.dirname(os.path.abspath(__file__))


def vlq(v):
    out = [v & 0x7F]
    v >>= 7
    while v:
        out.append(0x80 | (v & 0x7F))
        v >>= 7
    return bytes(reversed(out))


def chunk(tag, data):
    return tag + struct.pack('>I', len(data)) + data


def smf(fmt, division, tracks):
    return chunk(b'MThd', struct.pack('>hhH', fmt, len(tracks), division)) + b''.join(chunk(b'MTrk', t) for t in tracks)


def tempo(us):
    return b'\xff\x51\x03' + struct.pack('>I', us)[1:]


EOT = b'\xff\x2f\x00'


def format0():
    # tpq 96; every feature in one track. Comments give the tick.
    t = b''
    t += vlq(0) + b'\xff\x03\x05piano'                 # 0 track name (meta, skipped)
    t += vlq(0) + b'\xf0\x05\x7e\x7f\x09\x01\xf7'       # 0 sysex (skipped)
    t += vlq(0) + b'\xc0\x05'                           # 0 program 5 on channel 0
    t += vlq(0) + b'\x90\x3c\x64'                       # 0 C4 on
    t += vlq(0) + b'\x40\x50'                           # 0 E4 on (running status)
    t += vlq(48) + b'\x3c\x00'                          # 48 C4 off (velocity 0, running status)
    t += vlq(0) + b'\x3c\x46'                           # 48 C4 on again
    t += vlq(0) + b'\x3c\x47'                           # 48 C4 on (overlap: two open C4)
    t += vlq(48) + b'\x80\x3c\x40'                      # 96 C4 off: closes the older one (FIFO)
    t += vlq(0) + tempo(1000000)                        # 96 tempo 60 bpm
    t += vlq(0) + b'\x90\x40\x00'                       # 96 E4 off
    t += vlq(0) + b'\xc0\x21'                           # 96 program 33
    t += vlq(0) + b'\x99\x24\x7f'                       # 96 drum kick on channel 10
    t += vlq(0) + b'\x90\x43\x30'                       # 96 G4 on with program 33
    t += vlq(96) + b'\x89\x24\x00'                      # 192 kick off
    t += vlq(0) + b'\x80\x43\x00' + vlq(0) + b'\x3c\x00'    # 192 G4 off, C4 off (running status)
    t += vlq(0) + b'\x90\x30\x20'                       # 192 C3 on, never closed
    t += vlq(192) + EOT                                 # 384 end: C3 closes here
    return smf(0, 96, [t])


def format1():
    # tpq 480; a conductor track with tempo changes, a piano track, a drum track.
    cond = vlq(0) + tempo(500000) + vlq(960) + tempo(400000) + vlq(960) + tempo(750000) + vlq(480) + EOT
    piano = (vlq(0) + b'\xc1\x00' + vlq(0) + b'\x91\x3c\x50' + vlq(960) + b'\x81\x3c\x00' +
             vlq(0) + b'\xc1\x18' + vlq(0) + b'\x91\x3c\x51' + vlq(0) + b'\x91\x37\x52' +
             vlq(1200) + b'\x91\x3c\x00' + vlq(0) + b'\x37\x00' + vlq(0) + EOT)
    drums = (vlq(0) + b'\x99\x24\x64' + vlq(480) + b'\x24\x00' + vlq(480) + b'\x26\x70' +
             vlq(480) + b'\x89\x26\x00' + vlq(960) + EOT)
    # a note-on in track 3 and its note-off in track 2 at the same tick
    cross_on = vlq(960) + b'\x92\x40\x40' + vlq(10) + EOT
    cross_off = vlq(960) + b'\x82\x40\x00' + vlq(0) + EOT
    return smf(1, 480, [cond, piano, drums, cross_off, cross_on])


def random_file(seed):
    rng = random.Random(seed)
    ntracks = rng.randint(1, 4)
    tracks = []
    for k in range(ntracks):
        t = b''
        status = None
        for _ in range(rng.randint(20, 200)):
            t += vlq(rng.choice([0, 0, 1, 7, 30, 120, 480, 5000]))
            r = rng.random()
            if r < 0.05:
                t += tempo(rng.randint(200000, 2000000))
                continue  # meta keeps running status
            if r < 0.08:
                t += b'\xf0\x03\x01\x02\xf7'
                status = None
                continue
            ch = rng.choice([0, 1, 9, 9, 15])
            if r < 0.15:
                st, data = 0xC0 | ch, bytes([rng.randint(0, 127)])
            elif r < 0.2:
                st, data = 0xB0 | ch, bytes([7, rng.randint(0, 127)])
            elif r < 0.22:
                st, data = 0xE0 | ch, bytes([0, 64])
            elif r < 0.6:
                st, data = 0x90 | ch, bytes([rng.randint(60, 64), rng.randint(1, 127)])
            elif r < 0.8:
                st, data = 0x90 | ch, bytes([rng.randint(60, 64), 0])
            else:
                st, data = 0x80 | ch, bytes([rng.randint(60, 64), rng.randint(0, 127)])
            t += (b'' if st == status and rng.random() < 0.7 else bytes([st])) + data
            status = st
        t += vlq(rng.randint(0, 500)) + EOT
        tracks.append(t)
    return smf(0 if ntracks == 1 else 1, rng.choice([96, 384, 480, 960]), tracks)


def ref_notes(path):
    # The reference conventions, on mido's merged, seconds-timed message stream.
    t = 0.0
    prog = [0] * 16
    open_ = collections.defaultdict(collections.deque)
    out = []
    for msg in mido.MidiFile(path):
        t += msg.time
        if msg.type == 'program_change':
            prog[msg.channel] = msg.program
        elif msg.type == 'note_on' and msg.velocity > 0:
            n = [t, None, msg.note, msg.velocity, prog[msg.channel], msg.channel, int(msg.channel == 9)]
            open_[(msg.channel, msg.note)].append(n)
            out.append(n)
        elif msg.type in ('note_on', 'note_off'):
            q = open_[(msg.channel, msg.note)]
            if q:
                n = q.popleft()
                n[1] = t - n[0]
    for q in open_.values():
        for n in q:
            n[1] = t - n[0]
    out.sort(key=lambda n: (n[0], n[5], n[2]))
    return out, t


def main():
    good = {'format0.mid': format0(), 'format1.mid': format1()}
    for s in range(6):
        good['random%d.mid' % s] = random_file(s)
    os.makedirs(os.path.join(here, 'good'), exist_ok=True)
    with open(os.path.join(here, 'notes.csv'), 'w', newline='') as fn, \
         open(os.path.join(here, 'summary.csv'), 'w', newline='') as fs:
        wn, ws = csv.writer(fn), csv.writer(fs)
        wn.writerow(['file', 'onset_s', 'duration_s', 'pitch', 'velocity', 'program', 'channel', 'is_drum'])
        ws.writerow(['file', 'notes', 'end_s'])
        for name, data in good.items():
            p = os.path.join(here, 'good', name)
            open(p, 'wb').write(data)
            notes, end = ref_notes(p)
            for n in notes:
                wn.writerow([name, '%.9f' % n[0], '%.9f' % n[1]] + n[2:])
            ws.writerow([name, len(notes), '%.9f' % end])

    # Damaged copies of format0.mid (header 14 bytes, track chunk header at 14, events from 22).
    g = good['format0.mid']
    trk = g[22:]
    broken = []  # (name, bytes, offset, message fragment)
    broken.append(('wrong_magic.mid', b'RIFF' + g[4:], 0, "not a MIDI file: expected 'MThd' at the start, found 'RIFF'"))
    broken.append(('bad_chunk_length.mid', g[:18] + struct.pack('>I', len(trk) + 100) + trk, 18,
                   'bad chunk length'))
    cut = g[:-20]  # the file ends 20 bytes early: the chunk length no longer fits
    broken.append(('truncated_file.mid', cut, 18, 'bad chunk length'))
    # chunk length consistent, but the last event (the end-of-track meta) is cut after its type byte:
    # its length (the byte that would follow, at 22 + len(short)) runs past the chunk
    short = trk[:-1]
    broken.append(('truncated_track.mid', g[:18] + struct.pack('>I', len(short)) + short, 22 + len(short),
                   'truncated track: the meta event length runs past the end of the track chunk'))
    rs = vlq(0) + b'\x3c\x40' + trk  # a data byte as the very first event
    broken.append(('running_status.mid', g[:18] + struct.pack('>I', len(rs)) + rs, 23,
                   'running status without a status byte'))
    at = trk.index(tempo(1000000))
    zero = trk[:at] + tempo(0) + trk[at + 6:]
    broken.append(('absurd_tempo.mid', g[:18] + struct.pack('>I', len(zero)) + zero, 22 + at, 'absurd tempo: 0'))
    broken.append(('format2.mid', g[:8] + struct.pack('>h', 2) + g[10:], 8, 'format 2'))
    os.makedirs(os.path.join(here, 'broken'), exist_ok=True)
    with open(os.path.join(here, 'broken.csv'), 'w', newline='') as f:
        w = csv.writer(f)
        w.writerow(['file', 'byte', 'message'])
        for name, data, off, msg in broken:
            open(os.path.join(here, 'broken', name), 'wb').write(data)
            w.writerow([name, off, msg])


main()
