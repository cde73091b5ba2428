"""Threads: backward from several threads into the same leaves, and the default backend per thread
and context."""

import contextvars
import sys
import threading

import pytest

import ember


@pytest.fixture
def switch_often():
    """Make the interpreter switch threads every few bytecodes, so that races show."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    yield
    sys.setswitchinterval(before)


def _in_threads(n, fn):
    errors = []

    def run():
        try:
            fn()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors


def test_backward_from_threads_into_one_leaf_loses_no_update(backend, switch_often):
    w = ember.zeros(4, requires_grad=True)
    steps = 150

    def train():
        for _ in range(steps):
            (w * 2).sum().backward()

    _in_threads(4, train)
    assert w.grad.tolist() == [2.0 * 4 * steps] * 4


def _other_backend():
    """An available backend other than numpy, to tell the two apart."""
    for name, b in sorted(ember.backends.installed().items()):
        if name != "numpy" and b.status == ember.backends.AVAILABLE:
            return name
    pytest.skip("no available backend besides numpy")


def test_default_backend_block_applies_to_its_own_thread_only():
    other = _other_backend()
    inside, outside = threading.Event(), threading.Event()
    made = {}

    def in_block():
        with ember.default_backend(other):
            inside.set()
            outside.wait(30)
            made["in_block"] = ember.ones(1).backend

    def elsewhere():
        inside.wait(30)
        made["elsewhere"] = ember.ones(1).backend
        outside.set()

    a, b = threading.Thread(target=in_block), threading.Thread(target=elsewhere)
    a.start(), b.start()
    a.join(60), b.join(60)
    assert made == {"in_block": other, "elsewhere": "numpy"}
    assert ember.get_default_backend() == "numpy"


def test_set_default_backend_is_process_wide_but_a_block_wins_in_its_thread():
    other = _other_backend()
    before = ember.get_default_backend()
    seen = {}
    try:
        with ember.default_backend("numpy"):
            ember.set_default_backend(other)
            seen["block"] = ember.ones(1).backend  # the block's backend still applies here
            thread = threading.Thread(target=lambda: seen.update(thread=ember.ones(1).backend))
            thread.start()
            thread.join(60)
        seen["after"] = ember.get_default_backend()
    finally:
        ember.set_default_backend(before)
    assert seen == {"block": "numpy", "thread": other, "after": other}


def test_default_backend_follows_contexts():
    """A copied context (what asyncio gives each task) keeps the block's backend."""
    other = _other_backend()
    with ember.default_backend(other):
        ctx = contextvars.copy_context()
    assert ctx.run(lambda: ember.ones(1).backend) == other
    assert ember.ones(1).backend == "numpy"
