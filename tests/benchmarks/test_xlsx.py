"""benchmarks/xlsx.py: a quick run writes its JSON and Markdown table."""
import json
import os
import os.path as osp
import subprocess
import sys

from test_tables import BENCHMARKS, REPO, markdown_rows


def test_xlsx_quick_run_writes_json_and_markdown(tmp_path):
    out = tmp_path / 'xlsx.json'
    done = subprocess.run(
        [sys.executable, osp.join(BENCHMARKS, 'xlsx.py'), '--quick',
         '--sheets', '4', '--out', str(out)],
        cwd=REPO, capture_output=True, text=True, timeout=300,
        env=dict(os.environ, OMP_NUM_THREADS='1'))
    assert done.returncode == 0, done.stderr[-3000:]

    result = json.loads(out.read_text())
    read, convert = result['read'], result['convert']
    assert read['sheets'] == convert['sheets'] == convert['samples'] == 4
    assert result['args']['frames'] == 10
    for rate, seconds in ((read['ours_sheets_per_s'], read['ours_s']),
                          (read['openpyxl_sheets_per_s'],
                           read['openpyxl_s'])):
        assert abs(rate * seconds - 4) < 1e-6
    assert abs(read['speedup'] - read['openpyxl_s'] / read['ours_s']) < 1e-9
    assert abs(read['cpu_speedup'] -
               read['openpyxl_cpu_s'] / read['ours_cpu_s']) < 1e-9
    header, *rows = markdown_rows(out.with_suffix('.md').read_text())
    assert header == ['What', 'Sheets', 'Ours (sheets/s)',
                      'openpyxl (sheets/s)', 'Speed-up (openpyxl / ours)']
    assert rows[0] == ['read sheet -> float32 array', '4',
                       f"{read['ours_sheets_per_s']:.1f}",
                       f"{read['openpyxl_sheets_per_s']:.1f}",
                       f"{read['speedup']:.1f}x"]
    assert rows[1][:3] == ['whole convert_miga2025', '4',
                           f"{convert['ours_sheets_per_s']:.1f}"]
    assert f"{read['speedup']:.1f}x" in done.stdout
    notes = out.with_suffix('.md').read_text()
    assert f"({read['cpu_speedup']:.1f}x)." in notes
    assert out.with_suffix('.png').is_file()
