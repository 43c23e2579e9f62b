"""The WARC data a committed row points at is on disk before the commit: after a power
loss (the WARC cut back to what was last fsynced) no committed row points past the end
of its file, and every committed row's capture still reads back."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap

from parknews.archive.warc import default_warc_dir, read_capture

# A crawl of one mock site in its own process (Twisted's reactor runs once per process),
# recording every fsync (file, size) and, after each commit of the archive's rows, the
# captures the committed rows point at.
CRAWL = textwrap.dedent("""
    import json, os, sys
    from pathlib import Path
    from parknews.pipelines import storage
    from parknews.crawler.mocksites import serve_mock_sites, sites_toml
    from parknews.crawler.runner import LOOPBACK_SETTINGS, run_crawl
    from parknews.crawler.sites import parse_sites

    db_path, out = sys.argv[1], sys.argv[2]
    events = []
    real_fsync = os.fsync

    def fsync(fd):
        real_fsync(fd)
        name = Path(os.readlink(f"/proc/self/fd/{fd}")).name
        if ".warc" in name:
            events.append(["fsync", name.removesuffix(".open"), os.fstat(fd).st_size])

    os.fsync = fsync
    real_flush = storage.CommittingWriter.flush

    def flush(self):
        real_flush(self)
        rows = self.db.execute(
            "select warc_file, warc_offset, warc_length, warc_record_id, url from pages "
            "where warc_file is not null union all select warc_file, warc_offset, "
            "warc_length, warc_record_id, url from articles where warc_file is not null"
        ).fetchall()
        events.append(["commit", [list(row) for row in rows]])

    storage.CommittingWriter.flush = flush
    with serve_mock_sites(ids=["trs"], hosts={"trs": "127.0.0.41"}) as sites:
        text = sites_toml(sites)
        run_crawl(parse_sites(text, "sites.toml"), db_path, dict(
            LOOPBACK_SETTINGS, LOG_LEVEL="WARNING", ARCHIVE_BATCH_SIZE=5,
            PARKNEWS_EXTRACT_WORKERS=0, DOWNLOAD_DELAY=0, AUTOTHROTTLE_ENABLED=False))
    Path(out).write_text(json.dumps(events))
""")


def test_no_committed_row_points_past_what_was_fsynced(tmp_path):
    db_path, out = tmp_path / "archive.db", tmp_path / "events.json"
    result = subprocess.run([sys.executable, "-c", CRAWL, str(db_path), str(out)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    events = json.loads(out.read_text())
    commits = [rows for kind, *rows in events if kind == "commit"]
    assert len(commits) >= 3 and commits[-1][0], "a crawl of several batches"
    warc_dir = default_warc_dir(db_path)
    synced: dict[str, int] = {}
    checked = 0
    for kind, *rest in events:
        if kind == "fsync":
            name, size = rest
            synced[name] = max(synced.get(name, 0), size)
            continue
        rows = rest[0]
        if not rows:
            continue
        # the power goes now: each WARC file holds only what was fsynced
        cut = tmp_path / f"cut{checked}"
        cut.mkdir()
        for name in {row[0] for row in rows}:
            assert name in synced, f"{name}: rows committed before any fsync"
            whole = warc_dir / name
            copy = cut / name
            shutil.copyfile(whole if whole.exists() else f"{whole}.open", copy)
            with open(copy, "r+b") as handle:
                handle.truncate(synced[name])
        for name, offset, length, record_id, url in rows:
            assert offset + length <= synced[name], (url, offset, length, synced[name])
            status, _, _ = read_capture(cut, {"file": name, "offset": offset,
                                              "length": length, "record_id": record_id})
            assert status, url
        checked += 1
    assert checked >= 3
