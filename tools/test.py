"""Test a model with MMAction2's tools/test.py (arguments unchanged), with
m2hen_mmaction registered. Used by `mim test m2hen_mmaction <config>`."""
from m2hen_mmaction.mmaction_tools import run_mmaction_tool

if __name__ == '__main__':
    run_mmaction_tool('test')
