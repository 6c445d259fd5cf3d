"""StarGAN training speed: the official code, a faithful re-creation of its loop, and our trainer, in one run.

    .venv/bin/python bench/bench_stargan.py [--threads 1] [--cycles 1] [--official /path/to/yunjey/stargan]

Rows (each a path through one StarGAN training iteration: a D update, with a G update every 5th):

* **official** (only with ``--official DIR``, a checkout of yunjey/stargan that this repository does
  not ship) — its ``main.py`` run *unchanged* in a child process, ``--dataset RaFD``, on the JPEGs
  below. The only hook is around the data loader its ``get_loader`` returns: each fetch marks the end
  of one iteration and the start of the next, and lets the child wait between the bench's rounds;
* **reference** — the official ``solver.py`` ``train()`` (RaFD mode), rewritten here: JPEG files
  decoded by PIL through ``torchvision.datasets.ImageFolder`` with the official transforms
  (RandomHorizontalFlip, CenterCrop(178), Resize, ToTensor, Normalize 0.5) and ``DataLoader``
  settings (``data_loader.py``: batch 16, ``shuffle=True``, ``num_workers=1``, no ``drop_last``);
  target labels are the batch's labels shuffled (``randperm``); the D step runs G *with* autograd
  and detaches, the penalty's norm is ``sqrt(sum(grad²))``, ``.item()`` for the log every step; the
  generator's InstanceNorm is PyTorch's stock layer with ``track_running_stats=True``, which in
  training mode updates running statistics as the official G does. Networks: ours, whose
  parameters are the official ones (``emoface.stargan.model``);
* **ours, float32** — :class:`emoface.stargan.trainer.StarGANTrainer`: the set decoded once into a
  uint8 tensor, batches drawn by index, G under ``no_grad`` in the D step;
* **ours, bfloat16** — the same under autocast. Where the CPU has no bfloat16 instructions the
  trainer would refuse ``amp=True``; the bench forces it anyway (row marked *emulated*), for information;
* **ours, float32, channels_last** (``--paths ...,fp32-cl``) — a candidate speed-up on CPU.

Fair comparison on a shared machine: every path first runs ``--warmup`` iterations (one n_critic
cycle by default, so the first G update is not timed; ``--warmup 1`` when time is short), then the paths take turns, one n_critic cycle
(5 iterations) each per round, the order reversed every other round — so a change of load hits every
row alike. Per row: s/iteration over whole cycles (one G update per 5 D updates, as in training), the
median D-only iteration and the median iteration with a G update; the ratios are of the first column.
The machine's load average is printed before and after. Treat the figures as ratios, not absolutes.

The JPEGs are generated images at CelebA's aligned size, 178×218, in RaFD's layout (one folder per
domain), written to a temporary folder; enough of them that no epoch ends inside the timed
iterations. The official RaFD default crop is 256 (RaFD photos are 681×1024); on 178-wide images the
CelebA crop, 178, is the official setting that applies, and both the official run and the reference
use it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from torch import nn

from emoface.stargan.model import Discriminator, Generator, InstanceNorm, count_parameters
from emoface.stargan.trainer import StarGANConfig, StarGANTrainer, amp_dtype

#: CelebA's aligned images are 178×218 (width × height); the official CelebA crop is 178.
JPEG_WIDTH, JPEG_HEIGHT, CROP = 178, 218, 178
PATHS = ("official", "reference", "fp32", "bf16", "fp32-cl")


# ----------------------------------------------------------------------------------------- data
def write_jpeg_folder(root: Path, per_class: int, c_dim: int, seed: int = 0) -> None:
    """``root/<k>/<i>.jpg``: 178×218 JPEGs (quality 95) in RaFD's layout, one folder per domain.

    Each image is smooth random colour (a 14×17 grid upsampled bicubically) plus grain, so that its
    JPEG has a photo's mix of smooth areas and detail; drawing real-looking faces would cost the bench
    more than the decoding it measures.
    """
    rng = np.random.default_rng(seed)
    for k in range(c_dim):
        folder = root / str(k)
        folder.mkdir(parents=True, exist_ok=True)
        for i in range(per_class):
            coarse = Image.fromarray(rng.integers(0, 256, (17, 14, 3), dtype=np.uint8))
            smooth = np.asarray(coarse.resize((JPEG_WIDTH, JPEG_HEIGHT), Image.BICUBIC), dtype=np.float32)
            grain = rng.normal(0, 8, smooth.shape)
            Image.fromarray(np.clip(smooth + grain, 0, 255).astype(np.uint8)).save(folder / f"{i:04d}.jpg", quality=95)


def official_transform(image_size: int):
    """The official training transform (``data_loader.py``, mode ``train``)."""
    from torchvision import transforms as T

    return T.Compose([T.RandomHorizontalFlip(), T.CenterCrop(CROP), T.Resize(image_size), T.ToTensor(),
                      T.Normalize(mean=(0.5, 0.5, 0.5), std=(0.5, 0.5, 0.5))])


def decoded_set(folder: Path, image_size: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The same JPEGs, cropped and resized once into what our trainer takes: uint8 (N, 3, S, S), labels."""
    from torchvision import datasets, transforms as T

    crop = T.Compose([T.CenterCrop(CROP), T.Resize(image_size), T.PILToTensor()])
    dataset = datasets.ImageFolder(str(folder), crop)
    images, labels = zip(*(dataset[i] for i in range(len(dataset))))
    return torch.stack(images).contiguous(), torch.tensor(labels)


# ------------------------------------------------------------------------------------- the rows
class Row:
    """One path: ``run(n)`` runs its next ``n`` iterations and returns their (seconds, had a G update)."""

    name: str

    def run(self, n: int) -> list[tuple[float, bool]]:
        raise NotImplementedError

    def close(self) -> None:
        pass


def with_stock_instance_norm(generator: Generator) -> Generator:
    """``generator`` with PyTorch's own InstanceNorm2d (``track_running_stats=True``), as the official G is
    built: in training mode it normalises per image *and* updates running statistics every call."""
    for module in list(generator.modules()):
        for name, child in list(module.named_children()):
            if isinstance(child, InstanceNorm):
                setattr(module, name, nn.InstanceNorm2d(child.num_features, affine=True, track_running_stats=True))
    return generator


class Reference(Row):
    """The official training loop (``solver.py`` ``train()``, RaFD mode), written anew."""

    name = "reference (official loop rewritten, PIL + DataLoader, float32)"

    def __init__(self, config: StarGANConfig, folder: Path, device: torch.device) -> None:
        from torchvision import datasets

        self.config, self.device = config, device
        self.loader = torch.utils.data.DataLoader(datasets.ImageFolder(str(folder), official_transform(config.image_size)),
                                                  batch_size=config.batch_size, shuffle=True, num_workers=1)
        self.G = with_stock_instance_norm(Generator(config.g_conv_dim, config.c_dim, config.g_repeat_num)).to(device)
        self.D = Discriminator.from_config(config).to(device)
        betas = (config.beta1, config.beta2)
        self.g_optimizer = torch.optim.Adam(self.G.parameters(), config.g_lr, betas=betas)
        self.d_optimizer = torch.optim.Adam(self.D.parameters(), config.d_lr, betas=betas)
        self.data_iter = iter(self.loader)
        self.x_fixed = next(self.data_iter)[0].to(device)  # the official keeps one batch for sample grids
        self.i = 0

    def next_batch(self) -> tuple[torch.Tensor, torch.Tensor]:
        try:
            return next(self.data_iter)
        except StopIteration:  # a new epoch: a new iterator (and a new worker process), as the official
            self.data_iter = iter(self.loader)
            return next(self.data_iter)

    def gradient_penalty(self, y: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
        # (‖∇_x̂ D_src(x̂)‖₂ − 1)², the norm as sqrt(Σ grad²)
        (grad,) = torch.autograd.grad(y, x, grad_outputs=torch.ones(y.size(), device=self.device),
                                      retain_graph=True, create_graph=True, only_inputs=True)
        norm = grad.view(grad.size(0), -1).pow(2).sum(dim=1).sqrt()
        return ((norm - 1) ** 2).mean()

    def step(self) -> bool:
        cfg, device = self.config, self.device
        x_real, label_org = self.next_batch()
        label_trg = label_org[torch.randperm(label_org.size(0))]  # targets: the batch's labels, shuffled
        c_org = F.one_hot(label_org, cfg.c_dim).float().to(device)
        c_trg = F.one_hot(label_trg, cfg.c_dim).float().to(device)
        x_real, label_org, label_trg = x_real.to(device), label_org.to(device), label_trg.to(device)

        # D: L_D = −E[D_src(x)] + E[D_src(G(x, c))] + λ_cls·L_cls^r + λ_gp·GP
        out_src, out_cls = self.D(x_real)
        d_loss_real = -out_src.mean()
        d_loss_cls = F.cross_entropy(out_cls, label_org)
        x_fake = self.G(x_real, c_trg)  # with autograd, as the official (the graph is then dropped)
        out_src, _ = self.D(x_fake.detach())
        d_loss_fake = out_src.mean()
        alpha = torch.rand(x_real.size(0), 1, 1, 1).to(device)
        x_hat = (alpha * x_real.data + (1 - alpha) * x_fake.data).requires_grad_(True)
        out_src, _ = self.D(x_hat)
        d_loss_gp = self.gradient_penalty(out_src, x_hat)
        d_loss = d_loss_real + d_loss_fake + cfg.lambda_cls * d_loss_cls + cfg.lambda_gp * d_loss_gp
        self.g_optimizer.zero_grad()
        self.d_optimizer.zero_grad()
        d_loss.backward()
        self.d_optimizer.step()
        log = {"D/real": d_loss_real.item(), "D/fake": d_loss_fake.item(), "D/cls": d_loss_cls.item(),
               "D/gp": d_loss_gp.item()}

        # G every n_critic: L_G = −E[D_src(G(x, c))] + λ_rec·‖x − G(G(x, c), c′)‖₁ + λ_cls·L_cls^f
        g_step = (self.i + 1) % cfg.n_critic == 0
        if g_step:
            x_fake = self.G(x_real, c_trg)
            out_src, out_cls = self.D(x_fake)
            g_loss_fake = -out_src.mean()
            g_loss_cls = F.cross_entropy(out_cls, label_trg)
            g_loss_rec = (x_real - self.G(x_fake, c_org)).abs().mean()
            g_loss = g_loss_fake + cfg.lambda_rec * g_loss_rec + cfg.lambda_cls * g_loss_cls
            self.g_optimizer.zero_grad()
            self.d_optimizer.zero_grad()
            g_loss.backward()
            self.g_optimizer.step()
            log.update({"G/fake": g_loss_fake.item(), "G/rec": g_loss_rec.item(), "G/cls": g_loss_cls.item()})
        self.i += 1
        return g_step

    def run(self, n: int) -> list[tuple[float, bool]]:
        out = []
        for _ in range(n):
            start = time.perf_counter()
            g_step = self.step()
            _sync(self.device)
            out.append((time.perf_counter() - start, g_step))
        return out


class Ours(Row):
    """:class:`StarGANTrainer` on the same images, decoded once."""

    def __init__(self, config: StarGANConfig, images: torch.Tensor, labels: torch.Tensor, device: torch.device,
                 half: bool, channels_last: bool = False) -> None:
        self._dir = tempfile.TemporaryDirectory()
        self.device = device
        fast = amp_dtype(device)
        self.trainer = StarGANTrainer(config, images, labels, self._dir.name, device=device,
                                      amp=half and fast is not None, channels_last=channels_last)
        if half and fast is None:  # no bfloat16 instructions: the trainer refuses, the bench forces it
            if not hasattr(self.trainer, "amp_dtype"):
                raise RuntimeError("StarGANTrainer no longer has amp_dtype; update the bench's forced-bf16 row")
            self.trainer.amp_dtype = torch.bfloat16
        dtype = self.trainer.amp_dtype
        self.name = ("ours, " + ("float32" if dtype is None else str(dtype).removeprefix("torch."))
                     + (" (emulated: no bf16 instructions)" if half and fast is None else "")
                     + (", channels_last" if channels_last else ""))

    def run(self, n: int) -> list[tuple[float, bool]]:
        out = []
        for _ in range(n):
            g_step = (self.trainer.step + 1) % self.trainer.config.n_critic == 0
            start = time.perf_counter()
            self.trainer.train_step()
            _sync(self.device)
            out.append((time.perf_counter() - start, g_step))
        return out

    def close(self) -> None:
        self._dir.cleanup()


class Official(Row):
    """yunjey/stargan's ``main.py``, unchanged, in a child process that runs iterations when told to."""

    name = "official yunjey/stargan main.py, unchanged (RaFD mode)"

    def __init__(self, source: Path, folder: Path, config: StarGANConfig, iterations: int, threads: int,
                 device: torch.device) -> None:
        if not (source / "solver.py").is_file():
            raise SystemExit(f"--official {source}: no solver.py there; give a checkout of github.com/yunjey/stargan")
        self._dir = tempfile.TemporaryDirectory()
        self._stderr = open(Path(self._dir.name) / "stderr.txt", "w+")
        argv = ["--dataset", "RaFD", "--rafd_image_dir", str(folder), "--rafd_crop_size", str(CROP),
                "--c_dim", str(config.c_dim), "--image_size", str(config.image_size),
                "--g_conv_dim", str(config.g_conv_dim), "--d_conv_dim", str(config.d_conv_dim),
                "--g_repeat_num", str(config.g_repeat_num), "--d_repeat_num", str(config.d_repeat_num),
                "--batch_size", str(config.batch_size), "--n_critic", str(config.n_critic),
                "--num_iters", str(iterations), "--use_tensorboard", "False", "--log_step", str(10**9),
                "--sample_step", str(10**9), "--model_save_step", str(10**9)]
        argv += [x for name in ("log", "model_save", "sample", "result")
                 for x in (f"--{name}_dir", str(Path(self._dir.name) / name))]
        env = dict(os.environ)
        if device.type == "cpu":  # the official code takes a GPU whenever it sees one
            env["CUDA_VISIBLE_DEVICES"] = ""
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--official-child", str(source), "--threads", str(threads), "--", *argv],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._stderr, text=True, env=env,
            cwd=self._dir.name)
        self.n_critic = config.n_critic
        self.i = 0

    def run(self, n: int) -> list[tuple[float, bool]]:
        self.process.stdin.write(f"{n}\n")
        self.process.stdin.flush()
        line = self.process.stdout.readline()
        if not line:
            self._stderr.seek(0)
            tail = self._stderr.read()[-3000:]
            raise RuntimeError(f"the official code stopped (exit {self.process.wait()}); its stderr ends:\n{tail}")
        seconds = json.loads(line)
        out = [(s, (self.i + k + 1) % self.n_critic == 0) for k, s in enumerate(seconds)]
        self.i += len(seconds)
        return out

    def close(self) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self._stderr.close()
        self._dir.cleanup()


# ------------------------------------------------------------- the child running the official code
class _Gate:
    """Times the official loop from its data fetches; between grants it waits for the parent."""

    def __init__(self, reply) -> None:
        self.reply, self.fetches, self.granted, self.start, self.done, self.restarting = reply, 0, 0, None, [], False

    def fetch(self) -> None:
        now = time.perf_counter()
        if self.restarting:  # the official caught StopIteration and fetches again: same iteration
            self.restarting = False
            return
        self.fetches += 1
        if self.fetches == 1:  # x_fixed, before the loop
            return
        if self.start is not None:
            self.done.append(now - self.start)
        if self.granted == 0:
            self.report()
            line = sys.stdin.readline()
            if not line:
                raise SystemExit(0)  # the parent is done
            self.granted = int(line)
        self.granted -= 1
        self.start = time.perf_counter()

    def report(self) -> None:
        if self.done:
            self.reply.write(json.dumps(self.done) + "\n")
            self.reply.flush()
            self.done = []

    def finish(self) -> None:
        if self.start is not None:
            self.done.append(time.perf_counter() - self.start)
        self.report()


class _GatedLoader:
    def __init__(self, loader, gate: _Gate) -> None:
        self.loader, self.gate = loader, gate

    def __iter__(self):
        return _GatedIterator(iter(self.loader), self.gate)

    def __len__(self) -> int:
        return len(self.loader)


class _GatedIterator:
    def __init__(self, iterator, gate: _Gate) -> None:
        self.iterator, self.gate = iterator, gate

    def __iter__(self):
        return self

    def __next__(self):
        self.gate.fetch()
        try:
            return next(self.iterator)
        except StopIteration:
            self.gate.restarting = True
            raise


def official_child(source: Path, threads: int, argv: list[str]) -> None:
    """Run ``source/main.py argv`` as ``python main.py`` would, answering the parent on the real stdout."""
    import runpy

    torch.set_num_threads(threads)
    reply = os.fdopen(os.dup(sys.stdout.fileno()), "w")
    sys.path.insert(0, str(source))
    import data_loader  # the official module; main.py imports get_loader from it

    gate = _Gate(reply)
    get_loader = data_loader.get_loader
    data_loader.get_loader = lambda *a, **k: _GatedLoader(get_loader(*a, **k), gate)
    sys.argv = [str(source / "main.py"), *argv]
    with redirect_stdout(sys.stderr):  # its prints (config, networks) must not mix with the replies
        runpy.run_path(str(source / "main.py"), run_name="__main__")
    gate.finish()


# ----------------------------------------------------------------------------------------- main
def _sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize()


def measure(rows: list[Row], warmup: int, cycles: int, n_critic: int) -> dict[str, list[tuple[float, bool]]]:
    """Warm every row up, then ``cycles`` rounds of one n_critic cycle per row, alternating the order."""
    for row in rows:
        row.run(warmup)
        print(f"  warmed up: {row.name}", file=sys.stderr, flush=True)
    times: dict[str, list[tuple[float, bool]]] = {row.name: [] for row in rows}
    for r in range(cycles):
        for row in rows if r % 2 == 0 else rows[::-1]:
            times[row.name] += row.run(n_critic)
            print(f"  round {r + 1}/{cycles}: {row.name} {sum(s for s, _ in times[row.name][-n_critic:]):.1f} s",
                  file=sys.stderr, flush=True)
    return times


def table(times: dict[str, list[tuple[float, bool]]], official: str | None, reference: str | None) -> str:
    per_it = {name: statistics.mean(s for s, _ in t) for name, t in times.items()}
    lines = ["| path | s/iteration | D step (median) | D+G step (median) | vs official | vs reference |",
             "|---|---:|---:|---:|---:|---:|"]
    for name, t in times.items():
        d_only = [s for s, g in t if not g]
        with_g = [s for s, g in t if g]
        ratio = lambda base: f"{per_it[base] / per_it[name]:.2f}×" if base else "—"  # noqa: E731
        lines.append(f"| {name} | {per_it[name]:.2f} | {statistics.median(d_only):.2f} | "
                     f"{statistics.median(with_g):.2f} | {ratio(official)} | {ratio(reference)} |")
    return "\n".join(lines)


def main() -> None:
    if len(sys.argv) > 2 and sys.argv[1] == "--official-child":
        rest = sys.argv[sys.argv.index("--") + 1:]
        official_child(Path(sys.argv[2]), int(sys.argv[4]), rest)
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--conv-dim", type=int, default=64)
    parser.add_argument("--blocks", type=int, default=6)
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--threads", type=int, default=1, help="torch threads, for every row (default 1: a shared machine)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed iterations per row first (default one cycle)")
    parser.add_argument("--cycles", type=int, default=1, help="timed n_critic cycles (5 iterations) per row")
    parser.add_argument("--official", type=Path, help="a checkout of github.com/yunjey/stargan: adds its row")
    parser.add_argument("--paths", default="official,reference,fp32,bf16",
                        help=f"rows, comma-separated, of {', '.join(PATHS)}")
    parser.add_argument("--per-class", type=int, help="JPEGs per domain (default: enough for the iterations, ≥ 16)")
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    paths = args.paths.split(",")
    if unknown := set(paths) - set(PATHS):
        parser.error(f"unknown paths {sorted(unknown)}; choose from {', '.join(PATHS)}")
    if "official" in paths and args.official is None:
        paths.remove("official")
        print("(no --official checkout given: the official row is skipped)", file=sys.stderr)
    torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    config = StarGANConfig(image_size=args.size, g_conv_dim=args.conv_dim, d_conv_dim=args.conv_dim,
                           g_repeat_num=args.blocks, batch_size=args.batch)
    iterations = args.warmup + args.cycles * config.n_critic
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "RaFD" / "train"
        per_class = args.per_class or max(16, -(-config.batch_size * (iterations + 1) // config.c_dim))
        write_jpeg_folder(folder, per_class, config.c_dim)
        images, labels = decoded_set(folder, args.size)
        if len(labels) < config.batch_size * (iterations + 1):
            print(f"(note: {len(labels)} images, fewer than the {iterations + 1} batches the official loop reads; "
                  "an epoch boundary falls in the timed iterations)", file=sys.stderr)
        make = {"official": lambda: Official(args.official.resolve(), folder, config, iterations, args.threads, device),
                "reference": lambda: Reference(config, folder, device),
                "fp32": lambda: Ours(config, images, labels, device, half=False),
                "bf16": lambda: Ours(config, images, labels, device, half=True),
                "fp32-cl": lambda: Ours(config, images, labels, device, half=False, channels_last=True)}
        rows = [make[p]() for p in paths]
        try:
            times = measure(rows, args.warmup, args.cycles, config.n_critic)
        finally:
            for row in rows:
                row.close()
    load_after = os.getloadavg()
    names = dict(zip(paths, (row.name for row in rows)))
    where = (torch.cuda.get_device_name() if device.type == "cuda"
             else f"CPU {platform.processor() or platform.machine()} ({torch.backends.cpu.get_cpu_capability()}, "
                  f"{os.cpu_count()} cores), {args.threads} torch threads")
    g = count_parameters(Generator(args.conv_dim, config.c_dim, args.blocks))
    d = count_parameters(Discriminator(args.size, args.conv_dim, config.c_dim))
    print(f"StarGAN training, {args.size}², batch {args.batch}, {args.conv_dim} channels, {args.blocks} blocks "
          f"(G {g / 1e6:.2f} M, D {d / 1e6:.1f} M), n_critic {config.n_critic} — {where}, torch {torch.__version__}")
    print(f"{args.warmup} warm-up + {args.cycles * config.n_critic} timed iterations per row, interleaved by cycle; "
          f"load average {load_before[0]:.2f} before, {load_after[0]:.2f} after; seconds\n")
    print(table(times, names.get("official"), names.get("reference")))


if __name__ == "__main__":
    main()
