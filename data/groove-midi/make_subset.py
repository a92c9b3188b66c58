# How data/groove-midi/ was made from the full Groove MIDI dataset (run once; kept for provenance):
#   python3 make_subset.py /path/to/groove  (the unzipped groove-v1.0.0-midionly.zip, with info.csv)
# Keeps the beats (not the fills) of at least 30 s in six styles, at most 50 per style spread evenly
# over the style's files in info.csv order, and files each under <style>/ so that a folder name is
# the label (label: parent_dir). A file keeps its original path in its name: drummer1/session1/
# 5_jazz-swing_180_beat_4-4.mid -> jazz/drummer1_session1_5_jazz-swing_180_beat_4-4.mid.
import csv, os, shutil, sys

STYLES = ["rock", "funk", "latin", "jazz", "hiphop", "soul"]
MIN_SECONDS, PER_STYLE = 30.0, 50

src = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
rows = [r for r in csv.DictReader(open(os.path.join(src, "info.csv")))
        if r["beat_type"] == "beat" and float(r["duration"]) >= MIN_SECONDS]
for style in STYLES:
    mine = [r for r in rows if r["style"].split("/")[0] == style]
    n = len(mine)
    pick = mine if n <= PER_STYLE else [mine[(i * n) // PER_STYLE] for i in range(PER_STYLE)]
    os.makedirs(os.path.join(here, style), exist_ok=True)
    for r in pick:
        name = r["midi_filename"].replace("/", "_")
        shutil.copyfile(os.path.join(src, r["midi_filename"]), os.path.join(here, style, name))
    print(style, len(pick), "of", n)
