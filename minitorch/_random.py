"""The random number generator behind ``rand``, ``randn``, init and shuffling."""

from __future__ import annotations

import numpy as np


class Generator:
    """A seedable source of random numbers (``torch.Generator``), backed by numpy's PCG64."""

    def __init__(self, device: object = "cpu"):
        self._seed = 67280421310721
        self._rng = np.random.default_rng(self._seed)

    def manual_seed(self, seed: int) -> Generator:
        seed = int(seed)
        # PyTorch takes any 64-bit integer, signed or not; a negative one wraps to unsigned.
        if not -(2**63) <= seed < 2**64:
            raise ValueError("Overflow when unpacking long long")
        self._seed = seed % 2**64
        self._rng = np.random.default_rng(self._seed)
        return self

    def seed(self) -> int:
        self.manual_seed(int(np.random.SeedSequence().entropy) % (2**63))
        return self._seed

    def initial_seed(self) -> int:
        return self._seed

    def get_state(self) -> dict:
        return self._rng.bit_generator.state

    def set_state(self, new_state: dict) -> Generator:
        self._rng.bit_generator.state = new_state
        return self


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator, so that seeded runs are reproducible."""
    return default_generator.manual_seed(seed)


def seed() -> int:
    return default_generator.seed()


def initial_seed() -> int:
    return default_generator.initial_seed()


def get_rng_state() -> dict:
    return default_generator.get_state()


def set_rng_state(new_state: dict) -> None:
    default_generator.set_state(new_state)


def generator_or_default(generator: Generator | None) -> np.random.Generator:
    return (generator or default_generator)._rng
