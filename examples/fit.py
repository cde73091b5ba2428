"""Fit a cubic polynomial to sin(x) by gradient descent, on ember's default backend.

The program of PyTorch's "learning PyTorch with examples" tutorial (the autograd version),
unchanged except for the import: run it with ``EMBER_BACKEND=jax`` to train on JAX instead.

    python examples/fit.py [--steps 2000] [--backend jax]
"""

import argparse
import math
import time

import ember as torch


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--lr", type=float, default=1e-6)
    parser.add_argument("--backend", default=None, help="ember backend (default: EMBER_BACKEND or numpy)")
    args = parser.parse_args(argv)
    if args.backend:
        torch.set_default_backend(args.backend)

    torch.manual_seed(0)
    x = torch.linspace(-math.pi, math.pi, 2000, dtype=torch.float32)
    y = torch.sin(x)

    a = torch.randn((), requires_grad=True)
    b = torch.randn((), requires_grad=True)
    c = torch.randn((), requires_grad=True)
    d = torch.randn((), requires_grad=True)

    print(f"fitting y = a + b x + c x^2 + d x^3 to sin(x) on the {torch.get_default_backend()} backend")
    start = time.perf_counter()
    first = None
    for t in range(args.steps):
        y_pred = a + b * x + c * x ** 2 + d * x ** 3
        loss = (y_pred - y).pow(2).sum()
        if first is None:
            first = loss.item()
        if t % 200 == 199:
            print(f"step {t + 1:5d}  loss {loss.item():12.4f}")
        loss.backward()
        with torch.no_grad():
            for p in (a, b, c, d):
                p -= args.lr * p.grad
                p.grad = None
    elapsed = time.perf_counter() - start
    final = loss.item()
    print(f"result: y = {a.item():.4f} + {b.item():.4f} x + {c.item():.4f} x^2 + {d.item():.4f} x^3")
    print(f"loss {first:.1f} -> {final:.1f} in {args.steps} steps, {elapsed:.2f} s")
    if not final < first / 10:
        raise SystemExit("training did not reduce the loss tenfold")
    return final


if __name__ == "__main__":
    main()
