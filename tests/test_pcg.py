"""mc.pcg against numpy's own PCG64: the same raw words, doubles and states afterwards, bit for bit."""
import numpy as np
import pytest

pytest.importorskip("numba")

from mc import pcg, seedseq  # noqa: E402
from mc.sampling import stream  # noqa: E402

# 0, 1, around every lane boundary, a stream block and one more
COUNTS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 15, 16, 17, 4095, 4096, 4097, 65_535, 65_536, 65_537]
SEEDS = [0, 1, 2, 12345, 2**63 + 7]
_M128 = (1 << 128) - 1


def _generators():
    """Fresh PCG64s: integer seeds, mc.sampling.stream's seeds, and states near the 2**128 wrap."""
    for seed in SEEDS:
        yield f"seed {seed}", lambda seed=seed: np.random.PCG64(seed)
    for seed, block, name in [(0, 0, "price"), (7, 3, "volume"), (2**40, 17, "a long input name")]:
        yield f"stream {seed} {block} {name}", lambda s=(seed, block, name): stream(*s).bit_generator
    for offset in [1, 2, 3, 5, 1000]:
        def near_wrap(offset=offset):
            bits = np.random.PCG64(offset)
            full = bits.state
            full["state"]["state"] = (-offset) & _M128  # the 128-bit state wraps within the first words
            bits.state = full
            return bits
        yield f"wrap -{offset}", near_wrap


GENERATORS = list(_generators())


@pytest.mark.parametrize("label,make", GENERATORS, ids=[g[0] for g in GENERATORS])
@pytest.mark.parametrize("count", COUNTS)
def test_random_raw_and_state_match_numpy(label, make, count):
    expected_bits, bits = make(), make()
    expected = expected_bits.random_raw(count)
    got = pcg.random_raw(bits, count)
    assert got.dtype == np.uint64 and np.array_equal(got, expected)
    assert bits.state == expected_bits.state


@pytest.mark.parametrize("label,make", GENERATORS, ids=[g[0] for g in GENERATORS])
@pytest.mark.parametrize("count", [0, 1, 3, 4, 5, 65_536, 65_537])
def test_random_matches_generator_random(label, make, count):
    expected_rng, rng = np.random.Generator(make()), np.random.Generator(make())
    expected = expected_rng.random(count)
    got = pcg.random(rng, count)
    assert got.dtype == np.float64 and np.array_equal(got, expected)
    assert rng.bit_generator.state == expected_rng.bit_generator.state
    # and the generator goes on as numpy's would: numpy's own draws after ours
    assert np.array_equal(rng.random(5), expected_rng.random(5))


def test_consecutive_calls_continue_the_stream():
    expected_bits, bits = np.random.PCG64(99), np.random.PCG64(99)
    expected = expected_bits.random_raw(3 + 8 + 1 + 13)
    got = np.concatenate([pcg.random_raw(bits, c) for c in (3, 8, 1, 13)])
    assert np.array_equal(got, expected) and bits.state == expected_bits.state


def test_buffered_32_bit_half_is_kept():
    """numpy's random_raw leaves the buffered half of a 32-bit draw alone; so does mc.pcg."""
    expected_rng, rng = np.random.Generator(np.random.PCG64(5)), np.random.Generator(np.random.PCG64(5))
    expected_rng.integers(0, 10, dtype=np.uint32)
    rng.integers(0, 10, dtype=np.uint32)
    assert rng.bit_generator.state["has_uint32"] == 1
    assert np.array_equal(pcg.random(rng, 10), expected_rng.random(10))
    assert rng.bit_generator.state == expected_rng.bit_generator.state
    assert rng.integers(0, 2**32, dtype=np.uint32) == expected_rng.integers(0, 2**32, dtype=np.uint32)


@pytest.mark.parametrize("steps", [0, 1, 2, 4, 5, 1000, 65_537, 2**40 + 3, 2**64 - 1])
def test_advance_matches_numpy(steps):
    expected_bits = np.random.PCG64(3)
    state = pcg.state_of(expected_bits)
    expected_bits.advance(steps)
    pcg.pcg_advance(state, np.uint64(steps))
    assert np.array_equal(state, pcg.state_of(expected_bits))


@pytest.mark.parametrize("spawn_key", [(), (0,), (3, 99, 0), (2**40, 2**63, 5)])
def test_seed_matches_pcg64_of_a_seed_sequence(spawn_key):
    seq = np.random.SeedSequence(2024, spawn_key=spawn_key)
    state = np.empty(4, np.uint64)
    pcg.pcg_seed(seq.generate_state(4, np.uint64), state)
    assert np.array_equal(state, pcg.state_of(np.random.PCG64(seq)))


@pytest.mark.parametrize("used", [0, 1, 7, 100, 250, 300])
def test_words_commit_exactly_the_words_used(used):
    expected_bits, bits = np.random.PCG64(11), np.random.PCG64(11)
    words = pcg.Words(bits)
    taken = np.concatenate([words.take(100), words.take(150), words.take(50)])
    assert bits.state == np.random.PCG64(11).state  # nothing committed yet
    assert np.array_equal(taken, np.random.PCG64(11).random_raw(300))
    words.commit(used)
    expected_bits.random_raw(used)
    assert bits.state == expected_bits.state
    assert np.array_equal(bits.random_raw(4), expected_bits.random_raw(4))


def test_is_pcg64():
    assert pcg.is_pcg64(np.random.PCG64(1))
    assert not pcg.is_pcg64(np.random.PCG64DXSM(1)) and not pcg.is_pcg64(np.random.MT19937(1))


# short blocks with scratches of 1 and 3 words (refills everywhere), long ones with the default 512
LHS_CASES = [(n, scratch) for n in [1, 2, 3, 5, 17, 255, 256, 257, 1000, 4096] for scratch in (1, 3, 512)] + \
    [(n, 512) for n in (65_536, 65_537, 140_000)]


@pytest.mark.parametrize("n,scratch", LHS_CASES)
def test_lhs_shuffled_is_scipys_latin_hypercube(n, scratch):
    """The compiled LHS replays qmc.LatinHypercube from the engine's spawned PCG64, for uint16 and int32 perms."""
    from scipy.stats import qmc

    rng = stream(3, 1, "lhs")
    expected = qmc.LatinHypercube(1, rng=stream(3, 1, "lhs")).random(n)[:, 0]
    words = rng.bit_generator.seed_seq.spawn(1)[0].generate_state(4, np.uint64)
    out = np.empty(n)
    pcg.lhs_shuffled(words, np.empty(4, np.uint64), n, np.empty(n, np.uint16 if n <= 65_536 else np.int32),
                     np.empty(scratch, np.uint64), out)
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("entropy", [0, 1, 7, 2**32 - 1, 2**32, 2**64 + 5, 2**127 + 3, 12345678901234567890123])
@pytest.mark.parametrize("spawn_key", [(), (0,), (5,), (0, 0, 0), (3, 2**64 - 1, 0), (2**40, 17, 2**33, 1)])
def test_seed_sequence_replay_is_numpys(entropy, spawn_key):
    """pcg_seed_sequence(entropy_words(...)) is the state of PCG64(SeedSequence(entropy, spawn_key=...))."""
    state = np.empty(4, np.uint64)
    seedseq.pcg_seed_sequence(seedseq.entropy_words(entropy, spawn_key), state)
    expected = pcg.state_of(np.random.PCG64(np.random.SeedSequence(entropy, spawn_key=spawn_key)))
    assert np.array_equal(state, expected)


def test_seed_sequence_replay_of_mc_streams_and_their_first_child():
    """The spawn keys mc.sampling uses: (block, name key) for a stream, plus 0 for the LHS engine's child."""
    from mc.sampling import _name_key

    for seed, block, name in [(0, 0, "price"), (13, 4, "volume"), (2**45, 99, "x")]:
        parent = stream(seed, block, name).bit_generator.seed_seq
        for key, seq in [((block, _name_key(name)), parent), ((block, _name_key(name), 0), parent.spawn(1)[0])]:
            state = np.empty(4, np.uint64)
            seedseq.pcg_seed_sequence(seedseq.entropy_words(seed, key), state)
            assert np.array_equal(state, pcg.state_of(np.random.PCG64(seq)))


@pytest.mark.parametrize("entropy,spawn_key", [(0, (0, 1)), (13, (4, 2**64 - 1)), (2**70 + 1, ()), (5, (2**33,))])
def test_replayed_seed_sequence_gives_numpys_generator_and_children(entropy, spawn_key):
    """seedseq.generator: the same PCG64 state as numpy's SeedSequence, the same children, the same other words."""
    real = np.random.SeedSequence(entropy, spawn_key=spawn_key)
    rng = seedseq.generator(entropy, spawn_key)
    assert rng.bit_generator.state == np.random.PCG64(real).state
    assert np.array_equal(rng.random(5), np.random.Generator(np.random.PCG64(real)).random(5))
    replayed = rng.bit_generator.seed_seq
    assert np.array_equal(replayed.generate_state(3), real.generate_state(3))
    assert np.array_equal(replayed.generate_state(8, np.uint64), real.generate_state(8, np.uint64))
    for got, expected in zip(replayed.spawn(2) + replayed.spawn(1), real.spawn(3)):
        assert (got.entropy, got.spawn_key) == (expected.entropy, expected.spawn_key)
        assert np.array_equal(got.generate_state(4, np.uint64), expected.generate_state(4, np.uint64))


def test_scipy_spawns_from_a_replayed_stream_as_from_numpys(monkeypatch):
    """mc.sampling.stream seeds compiled when the kernels are on; scipy's LHS engine spawns the same child."""
    from scipy.stats import qmc

    monkeypatch.setenv("MC_COMPILED", "1")
    fast = stream(9, 2, "x")
    monkeypatch.setenv("MC_COMPILED", "0")
    plain = stream(9, 2, "x")
    assert isinstance(fast.bit_generator.seed_seq, seedseq.ReplayedSeedSequence)
    assert fast.bit_generator.state == plain.bit_generator.state
    np.testing.assert_array_equal(qmc.LatinHypercube(1, rng=fast).random(300),
                                  qmc.LatinHypercube(1, rng=plain).random(300))
