"""Train the shipped demo StarGAN on SynthFaces, grade it on held-out identities, export it.

    .venv/bin/python scripts/train_demo_generator.py --run-dir runs/demo_generator --minutes 115 \\
        --export lib/emoface/assets/stargan_demo.pt

The shipped generator is two runs: the plain StarGAN above (``--iters 11000``), then a fine-tune of
it that adds the attention mask (GANimation's, started at "keep the input"), so G learns where to
paint rather than what:

    .venv/bin/python scripts/train_demo_generator.py --run-dir runs/demo_attention --fine-tune runs/plain.pt \
        --attention --iters 5000 --minutes 62 --export lib/emoface/assets/stargan_demo.pt

Resumable: run the same command again and it continues from ``run-dir/checkpoint.pt``. Every
``--eval-every`` steps it prints the judge's accuracy on edits of 30 held-out identities per target
(the stored judge, ``emoface.stargan.judge_file``, for the demo's 64×64 and 1,000 people).
At the end (schedule done or time up) it grades on all test identities, prints the table and, with
``--export``, writes the generator (float16) with its config and evaluation; ``--no-final-grading``
stops after training instead (a run whose snapshots are graded afterwards).
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

import torch

from emoface.datasets.synth import EXPRESSION_LINE_PARTS, WRINKLE_PARTS
from emoface.labels import FACE_EXPRESSIONS
from emoface.stargan.evaluate import class_mean_faces, grade_on_pairs, scores_table, train_judge
from emoface.stargan.generator_file import LoadedGenerator, carried_reader, load_generator, save_generator
from emoface.stargan.judge_file import judge_for
from emoface.stargan.synth_pairs import synth_pairs
from emoface.stargan.recipes import DEMO_CONFIG, TEST_FIRST_IDENTITY
from emoface.stargan.trainer import CsvLog, StarGANConfig, StarGANTrainer

#: Steps between checkpoints; the training seconds are written at each, so a run killed outright
#: (SIGKILL, a dropped session) resumes with the time of the checkpoint it resumes from.
CHECKPOINT_EVERY = 500


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-dir", type=Path, required=True)
    parser.add_argument("--size", type=int, default=DEMO_CONFIG.image_size)
    parser.add_argument("--g-conv", type=int, default=DEMO_CONFIG.g_conv_dim)
    parser.add_argument("--d-conv", type=int, default=DEMO_CONFIG.d_conv_dim)
    parser.add_argument("--g-blocks", type=int, default=DEMO_CONFIG.g_repeat_num)
    parser.add_argument("--d-blocks", type=int, default=DEMO_CONFIG.d_repeat_num)
    parser.add_argument("--n-critic", type=int, default=DEMO_CONFIG.n_critic)
    parser.add_argument("--d-warmup", type=int, default=0,
                        help="first steps training only D's expression classifier (an attention G from scratch needs it)")
    parser.add_argument("--batch", type=int, default=DEMO_CONFIG.batch_size)
    parser.add_argument("--iters", type=int, default=DEMO_CONFIG.num_iters)
    parser.add_argument("--decay", type=int, default=DEMO_CONFIG.num_iters_decay)
    parser.add_argument("--lr", type=float, default=DEMO_CONFIG.g_lr)
    parser.add_argument("--attention", action="store_true")
    parser.add_argument("--skip", action="store_true",
                        help="G's full-resolution skip (fine detail copied past the bottleneck); on a fine-tune of a "
                             "file without one it starts at 0")
    parser.add_argument("--fine-tune", type=Path, default=None,
                        help="a generator file (with its D) to start from; --iters steps, the lr decaying to 0")
    parser.add_argument("--lr-scale", type=float, default=1.0, help="fine-tune: start at this × the file's lr")
    parser.add_argument("--lambda-mask", type=float, default=0.1)
    parser.add_argument("--lambda-rec", type=float, default=DEMO_CONFIG.lambda_rec,
                        help="weight of the cycle loss; a lower one leaves fewer ghosts of the source expression")
    parser.add_argument("--lambda-cls", type=float, default=DEMO_CONFIG.lambda_cls,
                        help="weight of the expression classification loss (D's reading of the edit)")
    parser.add_argument("--lambda-pair", type=float, default=0.0,
                        help="weight of the paired L1 to the same person's true image in the target expression "
                             "(SynthFaces has it for every face; 0 = the paper's unpaired StarGAN)")
    parser.add_argument("--pair-focus", type=float, default=0.0,
                        help="extra weight of the paired L1 on the pixels the expression changes (the old mouth, "
                             "brows and creases), against ghosts of the source expression")
    parser.add_argument("--lambda-paint", type=float, default=0.0,
                        help="with --attention and --lambda-pair: weight of the painting's own L1 to the true face "
                             "where the expression changes (teaches the painting while the mask still keeps the input)")
    parser.add_argument("--lambda-paint-open", type=float, default=0.0,
                        help="with --attention and --lambda-pair: weight of the painting's L1 to the true face "
                             "wherever the mask paints (against mottled skin under the mask)")
    parser.add_argument("--lambda-texture", type=float, default=0.0,
                        help="with --lambda-pair: weight of the edit's fine texture against the true face's "
                             "near the expression change (against mottled skin)")
    parser.add_argument("--lambda-kept-lines", type=float, default=0.0,
                        help="weight of the edit's L1 to the true face on the drawn lines that stay near the "
                             "expression change (needs --lambda-pair; against frames broken where the mask opens)")
    parser.add_argument("--lambda-gone-lines", type=float, default=0.0,
                        help="weight of the edit's L1 and fine grain to the true face on the source's expression "
                             "lines the target does not draw (needs --lambda-pair; against the faint old smile)")
    parser.add_argument("--lambda-still-mask", type=float, default=0.0,
                        help="with --attention and --lambda-pair: weight of how far the mask opens over pixels the "
                             "expression leaves alone (against eyes repainted under targets that keep them)")
    parser.add_argument("--lambda-feat", type=float, default=0.0,
                        help="weight of matching D's features of the edit to the true face's (needs --lambda-pair)")
    parser.add_argument("--lambda-local", type=float, default=0.0,
                        help="weight of a small critic judging only the pixels the expression changes, the true face "
                             "against the edit (needs --lambda-pair; against broad smears where the truth has thin lines)")
    parser.add_argument("--local-warmup", type=int, default=0,
                        help="with --lambda-local: first steps training only that critic, against G's edits as they are")
    parser.add_argument("--local-critic-steps", type=int, default=1,
                        help="with --lambda-local: that critic's updates per step, on the step's batch")
    parser.add_argument("--local-spectral", action="store_true",
                        help="with --lambda-local: spectral normalisation on that critic's convolutions")
    parser.add_argument("--local-width", type=int, default=DEMO_CONFIG.local_width,
                        help="with --lambda-local: that critic's channels in its first convolution (doubled after)")
    parser.add_argument("--local-from-row", type=float, default=DEMO_CONFIG.local_from_row,
                        help="with --lambda-local: that critic judges only cells from this share of the face's "
                             "height down (0.55: the mouth and its creases, not the eyes)")
    parser.add_argument("--local-on-lines", action="store_true",
                        help="with --lambda-local: that critic judges only the changed pixels on the brows, folds "
                             "and mouth that SynthFaces draws (not the eyes or the chin)")
    parser.add_argument("--lambda-paint-gone", type=float, default=0.0,
                        help="weight of an attention G's painting's L1 to the true face on the source's lines the "
                             "target drops, as --lambda-gone-lines grades the edit there (needs "
                             "--lambda-pair and --attention; without it the painting copies a faint old line "
                             "where the mask keeps the input, and the mask never opens over it)")
    parser.add_argument("--paint-gone-reach", type=int, default=0,
                        help="pixels around the gone lines that --lambda-paint-gone grades too (the painting there "
                             "is what a mask opened over a thin wrinkle lays round it)")
    parser.add_argument("--lambda-open-gone", type=float, default=0.0,
                        help="weight of -log(1 - keep) on the source's lines the target drops: the attention mask "
                             "asked to paint where an old line must go (needs --lambda-pair and --attention; its "
                             "saturated sigmoid hardly feels the other terms there)")
    parser.add_argument("--mask-float32", action="store_true",
                        help="with --amp and --attention: the mask's sigmoid in float32, so that every term reaches "
                             "the pixels a bfloat16 mask rounds to exactly 1.0")
    parser.add_argument("--wrinkle-lines", action="store_true",
                        help="the line masks (of --local-on-lines and the gone-lines terms) cover "
                             "the forehead's, the nose's and the eyes' wrinkles too (a ghost of those stayed under a "
                             "new expression)")
    parser.add_argument("--gone-on-wrinkles", action="store_true",
                        help="the gone terms (--lambda-gone-lines, --lambda-paint-gone, --lambda-open-gone) grade "
                             "only the forehead's, the nose's and the eyes' wrinkles, the line critic the "
                             "expression's lines as before (measured: the mask opened wider over the wrinkles "
                             "than with --wrinkle-lines, for more L1 and no fewer lines left; docs/stargan.md)")
    parser.add_argument("--cls-smoothing", type=float, default=0.0,
                        help="label smoothing of D's expression classifier on real faces (keeps its reading of "
                             "G's edits unsure, so its classification still gives G a gradient)")
    parser.add_argument("--target-weights", type=_target_weights, default=None,
                        help="draw these targets more often, e.g. 'neutral=3,anger=3' (the rest weigh 1)")
    parser.add_argument("--train-identities", type=int, default=1000)
    parser.add_argument("--test-identities", type=int, default=100)
    parser.add_argument("--minutes", type=float, default=None)
    parser.add_argument("--threads", type=int, default=2, help="torch threads (the CPU default oversubscribes)")
    parser.add_argument("--eval-every", type=int, default=1000)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--export", type=Path, default=None)
    parser.add_argument("--snapshot-every", type=int, default=0,
                        help="also write a generator file every N steps (run-dir/step_NNNNN.pt), to choose the step "
                             "afterwards on other people (scripts/evaluate_generator.py --first-identity 2000000)")
    parser.add_argument("--amp", action=argparse.BooleanOptionalAction, default=False,
                        help="mixed precision (the shipped generator was trained in float32; on a CPU with AMX, bfloat16 "
                             "trained 2.1-2.3x faster here, docs/stargan.md)")
    parser.add_argument("--export-only", action="store_true",
                        help="no training: grade and export the run's checkpoint as it is")
    parser.add_argument("--no-final-grading", action="store_true",
                        help="stop after training, without grading both modes on the test people (about 10 min on a "
                             "2-core CPU, and a run started meanwhile shares its cores): for runs whose snapshots "
                             "are graded afterwards")
    args = parser.parse_args()
    _refuse_options_set_up_by_halves(parser, args)

    config = StarGANConfig(image_size=args.size, g_conv_dim=args.g_conv, d_conv_dim=args.d_conv,
                           g_repeat_num=args.g_blocks, d_repeat_num=args.d_blocks, n_critic=args.n_critic,
                           d_warmup=args.d_warmup, batch_size=args.batch, num_iters=args.iters, num_iters_decay=args.decay,
                           g_lr=args.lr, d_lr=args.lr, g_attention=args.attention, g_skip=args.skip,
                           lambda_mask=args.lambda_mask, lambda_rec=args.lambda_rec, lambda_cls=args.lambda_cls,
                           lambda_pair=args.lambda_pair, pair_focus=args.pair_focus, lambda_paint=args.lambda_paint,
                           lambda_paint_open=args.lambda_paint_open, lambda_texture=args.lambda_texture,
                           lambda_kept_lines=args.lambda_kept_lines, lambda_gone_lines=args.lambda_gone_lines,
                           lambda_paint_gone=args.lambda_paint_gone, lambda_open_gone=args.lambda_open_gone,
                           paint_gone_reach=args.paint_gone_reach, mask_float32=args.mask_float32,
                           lambda_still_mask=args.lambda_still_mask, lambda_feat=args.lambda_feat, lambda_local=args.lambda_local,
                           local_warmup=args.local_warmup, local_critic_steps=args.local_critic_steps,
                           local_spectral=args.local_spectral, local_width=args.local_width,
                           local_from_row=args.local_from_row, local_on_lines=args.local_on_lines,
                           target_weights=args.target_weights,
                           cls_smoothing=args.cls_smoothing)
    if args.wrinkle_lines and not config.uses_line_masks:
        parser.error("--wrinkle-lines widens the line masks of --local-on-lines, --lambda-gone-lines, "
                     "--lambda-paint-gone and --lambda-open-gone: give one")
    if args.gone_on_wrinkles and not config.uses_gone_terms:
        parser.error("--gone-on-wrinkles sets what --lambda-gone-lines, --lambda-paint-gone and --lambda-open-gone "
                     "grade: give one")

    torch.set_num_threads(args.threads)
    started = time.monotonic()
    train = synth_pairs(range(args.train_identities), size=args.size, lines=config.uses_line_masks,
                        line_parts=_line_parts(args), gone_parts=_gone_parts(args))
    test = synth_pairs(range(TEST_FIRST_IDENTITY, TEST_FIRST_IDENTITY + args.test_identities), size=args.size)
    images, labels = train.flat()
    print(f"data: {len(images)} training faces, {args.test_identities} test identities, "
          f"{time.monotonic() - started:.0f} s", flush=True)
    stored = judge_for(FACE_EXPRESSIONS, args.size) if args.train_identities == 1000 else None
    # another size or data: a judge of its own (its readings depend on the thread count)
    judge = stored[0] if stored else train_judge(images, labels, len(FACE_EXPRESSIONS), epochs=5, device=args.device)
    means = class_mean_faces(images, labels, len(FACE_EXPRESSIONS))
    print(f"judge ready, {time.monotonic() - started:.0f} s", flush=True)

    partners = train.partners() if args.lambda_pair > 0 else None
    line_masks = train.flat_lines() if config.uses_line_masks else None
    gone_masks = train.flat_gone_lines() if _gone_parts(args) else None
    probe = test.images[:30]

    curve: list[dict] = []  # the probe's scores every --eval-every steps, stored with the generator

    def report(trainer: StarGANTrainer, log: dict) -> None:
        if log["step"] % CHECKPOINT_EVERY == 0:  # the seconds up to the checkpoint a resume starts from
            record_seconds()  # survives a kill -9 too
        if log["step"] % args.eval_every == 0:
            scores = grade_on_pairs(trainer.G, judge.to(trainer.device), probe, means, FACE_EXPRESSIONS)
            edits = " ".join(f"{s.target[:4]} {100 * s.judge_edit:.0f}" for s in scores)
            l1 = sum(s.l1_edit for s in scores) / len(scores)
            l1_input = sum(s.l1_input for s in scores) / len(scores)
            curve.append({"step": log["step"], "judge": {s.target: round(s.judge_edit, 4) for s in scores},
                          "l1": round(l1, 5), "l1_input": round(l1_input, 5), "mask": log.get("G/mask")})
            print(f"step {log['step']}: judge on edits {edits} | L1 {l1:.4f} (input {l1_input:.4f}) | "
                  f"{(time.monotonic() - started) / 60:.1f} min", flush=True)
        if args.snapshot_every and log["step"] % args.snapshot_every == 0:
            info = run_info(args, trainer, trained_seconds(), curve, base)
            save_generator(args.run_dir / f"step_{log['step']:05d}.pt", trainer.G, trainer.config, FACE_EXPRESSIONS,
                           info, discriminator=trainer.D, reader=reader)

    base, reader = None, None  # reader: the sharp D a label-smoothed run keeps to read photos with
    seconds_file = args.run_dir / "train_seconds.txt"
    seconds_before = float(seconds_file.read_text()) if seconds_file.exists() else 0.0

    def trained_seconds() -> float:
        """This run's training time so far, added to the runs it resumes."""
        return seconds_before + time.monotonic() - t0

    def record_seconds() -> None:
        seconds_file.write_text(f"{trained_seconds():.0f}")

    if args.fine_tune:
        base = load_generator(args.fine_tune, args.device)
        trainer = StarGANTrainer.from_pretrained(
            base, images, labels, args.run_dir, args.iters, args.device, callbacks=(CsvLog(), report),
            lr_scale=args.lr_scale, changes={"g_attention": args.attention, "g_skip": args.skip,
                                             "lambda_mask": args.lambda_mask,
                                             "lambda_rec": args.lambda_rec, "lambda_cls": args.lambda_cls,
                                             "lambda_pair": args.lambda_pair, "pair_focus": args.pair_focus,
                                             "lambda_paint": args.lambda_paint, "n_critic": args.n_critic,
                                             "lambda_paint_open": args.lambda_paint_open,
                                             "lambda_texture": args.lambda_texture,
                                             "lambda_kept_lines": args.lambda_kept_lines,
                                             "lambda_gone_lines": args.lambda_gone_lines,
                                             "lambda_paint_gone": args.lambda_paint_gone,
                                             "paint_gone_reach": args.paint_gone_reach,
                                             "lambda_open_gone": args.lambda_open_gone,
                                             "mask_float32": args.mask_float32,
                                             "lambda_still_mask": args.lambda_still_mask,
                                             "lambda_feat": args.lambda_feat, "lambda_local": args.lambda_local,
                                             "local_warmup": args.local_warmup,
                                             "local_critic_steps": args.local_critic_steps,
                                             "local_spectral": args.local_spectral,
                                             "local_width": args.local_width,
                                             "local_from_row": args.local_from_row,
                                             "local_on_lines": args.local_on_lines,
                                             "target_weights": args.target_weights,
                                             "cls_smoothing": args.cls_smoothing},
            amp=args.amp, partners=partners, line_masks=line_masks, gone_masks=gone_masks)
        config = trainer.config
        reader = carried_reader(base, config)
    else:
        trainer = StarGANTrainer.resume_or_start(config, images, labels, args.run_dir, args.device,
                                                 callbacks=(CsvLog(), report), amp=args.amp, partners=partners,
                                                 line_masks=line_masks, gone_masks=gone_masks)
    if config.cls_smoothing > 0 and reader is None:
        print("note: no sharply trained D to keep as the expression reader (fine-tune a file whose D was trained "
              "without --cls-smoothing), so the engine will read photos with this run's label-smoothed D", flush=True)
    t0 = time.monotonic()
    if not args.export_only:
        try:
            trainer.train(minutes=args.minutes, checkpoint_every=CHECKPOINT_EVERY, progress=False)
        finally:  # a run stopped by Ctrl+C or SIGTERM keeps its time too: resumed, it adds on
            record_seconds()
    seconds = seconds_before if args.export_only else trained_seconds()
    if args.no_final_grading:
        print(f"step {trainer.step} of {config.num_iters}, {seconds / 60:.1f} min of training on {args.device}; "
              f"final grading skipped (--no-final-grading)", flush=True)
        return

    judge = judge.to(trainer.device)
    scores = grade_on_pairs(trainer.G, judge, test.images, means, FACE_EXPRESSIONS, mode="plain")
    residual = grade_on_pairs(trainer.G, judge, test.images, means, FACE_EXPRESSIONS, mode="residual")
    print(f"\nstep {trainer.step} of {config.num_iters}, {seconds / 60:.1f} min of training on {args.device}\n")
    print("plain StarGAN edits, G(x, c):\n")
    print(scores_table(scores))
    print("\nresidual edits, x + G(x, c) - G(x, c_source), c_source inferred:\n")
    print(scores_table(residual))
    if args.export:
        info = {**run_info(args, trainer, seconds, curve, base),
                "evaluation": [s.as_dict() for s in scores],
                "evaluation_residual": [s.as_dict() for s in residual]}
        save_generator(args.export, trainer.G, config, FACE_EXPRESSIONS, info, discriminator=trainer.D, reader=reader)
        print(f"\nwrote {args.export} ({args.export.stat().st_size / 1e6:.1f} MB)")
        (args.run_dir / "evaluation.json").write_text(json.dumps({"config": asdict(config), **info}, indent=1))


def run_info(args: argparse.Namespace, trainer: StarGANTrainer, seconds: float, curve: list[dict],
             base: LoadedGenerator | None) -> dict:
    """The training record stored with an exported generator or a snapshot (its evaluation is added later)."""
    return {"data": f"SynthFaces seed 0, identities 0-{args.train_identities - 1}, 7 expressions, "
                    f"{args.size}x{args.size}, luminance-equalised",
            "step": trainer.step, "train_minutes": round(seconds / 60, 1),
            **({"line_parts": list(_line_parts(args))} if trainer.config.uses_line_masks else {}),
            **({"gone_parts": list(_gone_parts(args))} if _gone_parts(args) else {}),
            "probe_curve": list(curve),
            **({"fine_tuned_from": {"file": args.fine_tune.name, "step": base.info.get("step"),
                                    "train_minutes": base.info.get("train_minutes"),
                                    "config": asdict(base.config), "probe_curve": base.info.get("probe_curve"),
                                    "fine_tuned_from": base.info.get("fine_tuned_from")}}
               if base is not None else {}),
            "device": str(trainer.device) if trainer.device.type != "cuda" else torch.cuda.get_device_name(),
            "threads": torch.get_num_threads(), "torch": str(torch.__version__), "amp": bool(args.amp),
            "test_identities": f"{TEST_FIRST_IDENTITY}-{TEST_FIRST_IDENTITY + args.test_identities - 1}"}


def _line_parts(args: argparse.Namespace) -> tuple[str, ...]:
    """The parts SynthFaces masks as the expression's lines (``expression_lines``), with ``--wrinkle-lines``."""
    return EXPRESSION_LINE_PARTS + (WRINKLE_PARTS if args.wrinkle_lines else ())


def _gone_parts(args: argparse.Namespace) -> tuple[str, ...] | None:
    """The parts the gone terms grade apart from the line masks (``--gone-on-wrinkles``), else None."""
    return WRINKLE_PARTS if args.gone_on_wrinkles else None


def _target_weights(text: str) -> tuple[float, ...]:
    """'neutral=3,anger=3' as one weight per expression, in FACE_EXPRESSIONS' order (the rest 1)."""
    weights = dict.fromkeys(FACE_EXPRESSIONS, 1.0)
    for item in text.split(","):
        name, _, value = item.partition("=")
        if name.strip() not in weights:
            raise argparse.ArgumentTypeError(f"{name.strip()!r} is not one of {', '.join(FACE_EXPRESSIONS)}")
        try:
            weights[name.strip()] = float(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"write each weight as NAME=NUMBER, e.g. neutral=3; got {item!r}")
    return tuple(weights.values())


def _refuse_options_set_up_by_halves(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """One clear line, before any data is drawn, for an option that would do nothing without another."""
    paired = {"--lambda-paint": args.lambda_paint, "--lambda-paint-open": args.lambda_paint_open,
              "--lambda-texture": args.lambda_texture, "--lambda-kept-lines": args.lambda_kept_lines,
              "--lambda-gone-lines": args.lambda_gone_lines,
              "--lambda-paint-gone": args.lambda_paint_gone,
              "--lambda-open-gone": args.lambda_open_gone,
              "--lambda-still-mask": args.lambda_still_mask, "--lambda-feat": args.lambda_feat,
              "--lambda-local": args.lambda_local}
    needs_pair = [flag for flag, weight in paired.items() if weight > 0]
    if needs_pair and args.lambda_pair <= 0:  # without it no true faces are drawn, and these terms would do nothing
        parser.error(f"{', '.join(needs_pair)} grade the edit against the true face: give --lambda-pair too")
    needs_mask = [flag for flag in ("--lambda-paint", "--lambda-paint-open", "--lambda-still-mask", "--lambda-paint-gone",
                                    "--lambda-open-gone") if paired[flag] > 0]
    if needs_mask and not args.attention:
        parser.error(f"{', '.join(needs_mask)} grade an attention generator's painting or mask: give --attention")
    if args.lambda_local <= 0 and (args.local_warmup or args.local_critic_steps != 1 or args.local_spectral
                                     or args.local_width != DEMO_CONFIG.local_width
                                     or args.local_from_row != DEMO_CONFIG.local_from_row or args.local_on_lines):
        parser.error("--local-warmup, --local-critic-steps, --local-spectral, --local-width, --local-from-row and "
                     "--local-on-lines set up the local critic: give --lambda-local")
    if args.paint_gone_reach and args.lambda_paint_gone <= 0:
        parser.error("--paint-gone-reach widens what --lambda-paint-gone grades: give --lambda-paint-gone")
    if args.mask_float32 and not args.attention:
        parser.error("--mask-float32 computes an attention G's mask in float32: give --attention")
    if args.no_final_grading and (args.export or args.export_only):
        parser.error("--export stores the final grading in the file: drop --no-final-grading")


if __name__ == "__main__":
    main()
