"""mc.ziggurat against numpy's ``Generator.standard_normal``: the same doubles, bit for bit, and the same state after.

numpy is the oracle: every comparison is exact (bytes), never a tolerance, except the
rare-path rates, which are binomial counts checked within 5 standard deviations.
"""
from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest

from mc import ziggurat as zig

# sha256 of the tables' little-endian bytes, computed from numpy's ziggurat_constants.h (v2.4.6; v1.26.0 to v1.26.5
# hold the same file) by parsing its literals with int(..., 16) and float(...), independently of mc/ziggurat.py
TABLE_SHA256 = {
    "KI": "565295797825931547a1036f5b012a247be54abbe077c39fe06c8ed1e9d0a5a9",
    "WI": "33c6472209e1d09ea3548f0291e5e1ad67fb4f1d0305e9f1086689584b7bb7fa",
    "FI": "acd898d9d87e212f657755ba43b21e40958090a7ff2103c9e79f4ea1b0fe2bc5",
}
BIT_GENERATORS = (np.random.PCG64, np.random.PCG64DXSM, np.random.SFC64, np.random.Philox)


def _pair(kind, seed: int) -> tuple[np.random.Generator, np.random.Generator]:
    return np.random.Generator(kind(seed)), np.random.Generator(kind(seed))


def _same_state(a: dict, b: dict) -> bool:
    if a.keys() != b.keys():
        return False
    for key in a:
        x, y = a[key], b[key]
        same = _same_state(x, y) if isinstance(x, dict) else np.array_equal(np.asarray(x), np.asarray(y))
        if not same:
            return False
    return True


def _assert_same_draws(ours: np.random.Generator, theirs: np.random.Generator, size, raw_words=None) -> np.ndarray:
    x = zig.standard_normal(ours, size, raw_words)
    y = theirs.standard_normal(size)
    assert x.dtype == y.dtype and x.shape == y.shape
    assert x.tobytes() == y.tobytes()
    assert _same_state(ours.bit_generator.state, theirs.bit_generator.state)
    assert ours.bit_generator.random_raw() == theirs.bit_generator.random_raw()
    return x


def test_tables_are_numpys():
    for name, digest in TABLE_SHA256.items():
        assert hashlib.sha256(getattr(zig, name).tobytes()).hexdigest() == digest, name
    x = zig.WI * 2.0 ** 52  # layer edges
    np.testing.assert_allclose(zig.FI[1:], np.exp(-0.5 * x[1:] ** 2), rtol=1e-15)  # fi = f(x) at each edge
    ratio = np.floor(x[1:-1] / x[2:] * 2.0 ** 52)  # ki = floor(2**52 x[i-1] / x[i]) for i >= 2 (to an ulp)
    assert np.all(np.abs(zig.KI[2:].astype(float) - ratio) <= 2)
    assert zig.FI[0] == 1.0 and zig.KI[1] == 0 and zig.NOR_INV_R == 0.27366123732975827203338247596


@pytest.mark.parametrize("kind", BIT_GENERATORS)
@pytest.mark.parametrize("size", [0, 1, 2, 3, zig.COMPILED_MIN - 1, zig.COMPILED_MIN, 65_536])
@pytest.mark.parametrize("words", ["default", "random_raw"])
def test_same_numbers_and_state(kind, size, words):
    for seed in (0, 1, 12345, 2**63 + 7):
        ours, theirs = _pair(kind, seed)
        raw_words = ours.bit_generator.random_raw if words == "random_raw" else None  # the kernel at every size
        _assert_same_draws(ours, theirs, size, raw_words)
        for rng in (ours, theirs):  # a buffered 32-bit half (has_uint32, uinteger), which must be kept
            rng.integers(0, 10, dtype=np.uint32)
        _assert_same_draws(ours, theirs, size, raw_words)  # and from where the first call left the generator


def test_shapes_scalar_and_other_generators():
    ours, theirs = _pair(np.random.PCG64, 5)
    assert _assert_same_draws(ours, theirs, (3, 7)).shape == (3, 7)
    assert _assert_same_draws(ours, theirs, (300, 70)).shape == (300, 70)  # compiled
    assert zig.standard_normal(ours, None) == theirs.standard_normal()
    ours, theirs = _pair(np.random.MT19937, 5)  # 32-bit raw words: numpy itself draws
    _assert_same_draws(ours, theirs, 10_000)


def test_rare_paths_taken_many_times_and_exact():
    n, paths = 2_000_000, np.zeros(4, np.int64)
    for seed in (3, 4):
        ours, theirs = _pair(np.random.PCG64, seed)
        out = zig.fill(np.empty(n), ours.bit_generator.random_raw, paths)
        assert out.tobytes() == theirs.standard_normal(n).tobytes()
        assert _same_state(ours.bit_generator.state, theirs.bit_generator.state)
    tried, taken, tail_tried, tail_taken = paths
    assert taken > 10_000 and tried - taken > 10_000  # wedges accepted and rejected (about 1.5% of values each)
    assert tail_taken > 500 and tail_tried - tail_taken > 20  # tail values and tail retries
    # a tail starts when an attempt's word has layer 0 and rabs >= ki[0]: binomial over the attempts
    # (n values plus one per rejected wedge), mean and sd of Binomial(attempts, p)
    attempts = 2 * n + (tried - taken)
    p = (1.0 - float(zig.KI[0]) / 2.0 ** 52) / 256.0
    assert abs(tail_taken - attempts * p) < 5 * math.sqrt(attempts * p * (1 - p))


def test_resume_after_running_out_mid_value():
    ours, theirs = _pair(np.random.PCG64, 11)
    n = 60_000  # about 15 tails (p = 2.6e-4 a value)
    raw = ours.bit_generator.random_raw(n + n // 10)
    expected = theirs.standard_normal(n)
    paths = np.zeros(4, np.int64)
    out = np.empty(n)
    stop, filled = zig.normal_from_raw(raw, 0, out, 0, paths)
    assert filled == n and out.tobytes() == expected.tobytes() and paths[zig.TAIL_TRIED] > 0
    # every cut of the words inside values that take several words (wedges, tails), and around them
    starts = _first_words(raw, n)
    used = np.diff(np.append(starts, stop))  # words each value took
    first = raw[starts]
    tail = ((first & np.uint64(0xFF)) == 0) & ((first >> np.uint64(9)) & np.uint64(2**52 - 1) >= zig.KI[0])
    long_values = np.concatenate([np.flatnonzero(tail)[:4], np.flatnonzero(~tail & (used >= 3))[:4]])
    assert long_values.size == 8 and np.all(used[long_values] >= 3)  # 4 tails, 4 rejected wedges
    for k in long_values:
        for cut in range(starts[k] - 1, starts[k] + used[k] + 1):
            part, padded = np.empty(n), raw.copy()
            padded[cut:] = np.uint64(2**64 - 1)  # a word read past the end would pass a tail's or a wedge's test
            stop_1, filled_1 = zig.normal_from_raw(padded[:cut], 0, part, 0, np.zeros(4, np.int64))
            assert stop_1 <= cut and stop_1 == starts[filled_1]  # stopped at the start of a whole value
            rest = np.ascontiguousarray(raw[stop_1:])
            stop_2, filled_2 = zig.normal_from_raw(rest, 0, part, filled_1, np.zeros(4, np.int64))
            assert filled_2 == n and stop_1 + stop_2 == stop
            assert part.tobytes() == expected.tobytes()


def _first_words(raw: np.ndarray, n: int) -> np.ndarray:
    """Index of the first word of each value (each value's words follow the previous value's)."""
    starts = np.empty(n, np.int64)
    position, out = 0, np.empty(n)
    for k in range(n):
        starts[k] = position
        position, _ = zig.normal_from_raw(raw, position, out[: k + 1], k, np.zeros(4, np.int64))
    return starts


def test_more_words_asked_for_when_a_buffer_runs_out():
    ours, theirs = _pair(np.random.PCG64, 21)
    calls = []

    def raw_words(count):
        calls.append(count)
        return ours.bit_generator.random_raw(count)
    out = zig.standard_normal(ours, 50_000, raw_words)
    assert out.tobytes() == theirs.standard_normal(50_000).tobytes()
    assert _same_state(ours.bit_generator.state, theirs.bit_generator.state)
    assert len(calls) >= 2 and calls[0] == 50_000 and sum(calls) > 50_000  # never more than needed, asked again


def test_compiled_pcg_words():
    pcg = pytest.importorskip("mc.pcg")
    for seed in (0, 9):
        ours, theirs = _pair(np.random.PCG64, seed)
        for rng in (ours, theirs):  # a buffered 32-bit half, which the words must leave alone
            rng.integers(0, 10, dtype=np.uint32)
        for size in (0, 1, 2, 65_536, 100_001):
            x = zig.standard_normal(ours, size, pcg.Words(ours.bit_generator))
            assert x.tobytes() == theirs.standard_normal(size).tobytes()
            assert _same_state(ours.bit_generator.state, theirs.bit_generator.state)


def test_warm_up_compiles_the_kernel_with_the_types_of_the_calls():
    zig.warm_up()
    compiled = set(zig.normal_from_raw.signatures)
    assert len(compiled) == 1
    zig.standard_normal(np.random.Generator(np.random.PCG64(1)), (100, 100))
    zig.standard_normal(np.random.Generator(np.random.SFC64(1)), 10_000)
    assert set(zig.normal_from_raw.signatures) == compiled  # no new types


def test_benchmark_prints_well_formed_lines_and_exactness(capsys):
    from benchmarks import bench_ziggurat
    assert bench_ziggurat.main(["--quick"]) == 0
    lines = [line.split("#")[0].split() for line in capsys.readouterr().out.splitlines()]
    kinds = {kind for kind, _, _ in lines}
    assert kinds <= {"time", "value", "ratio"} and all(float(number) > 0 for _, _, number in lines)
    named = {name: float(number) for _, name, number in lines}
    assert named["exact_ziggurat"] == named["exact_ziggurat_random_raw"] == 1
    assert "numpy_standard_normal/ziggurat" in named
