"""``dsc-econ report``: the board report (HTML and PDF)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..inputs import limits as lim
from .common import add_common_options, count, guard, load_params, seed_option

EXIT_PDF_MISSING = 3
"""Exit status of ``dsc-econ report`` when the HTML was written but the PDF was not
(Chromium missing, ``DSC_ECON_CHROMIUM`` pointing to nothing, or Chromium failing).
Other errors exit with 2, before anything is written."""


def add_parser(sub: Any) -> None:
    """Register ``report``."""
    rep = sub.add_parser(
        "report",
        help="board report: one self-contained HTML file and a PDF",
        description=(
            "Write a board-ready sensitivity report (report.html, figures embedded, and "
            "report.pdf printed with headless Chromium) for the parameters in use: "
            "executive summary with intervals and P(BCR > 1), tornado and Sobol charts, "
            "distributions, payback, pathway tree, harm profiles, scenarios, and an "
            "appendix of every assumption with its source."
        ),
        epilog=(
            "The PDF is printed with Chromium, found on PATH (chromium, chromium-browser, "
            "google-chrome) or named by the DSC_ECON_CHROMIUM environment variable. Exit "
            f"status: 0 both files written; {EXIT_PDF_MISSING} report.html written but no "
            "PDF (the message says which browser path was tried); 2 an error before "
            "anything was written."
        ),
    )
    add_common_options(rep)
    rep.add_argument("--out", required=True, metavar="DIR", help="folder to write into")
    rep.add_argument(
        "--scenario-file",
        action="append",
        metavar="FILE",
        help="your scenarios (repeatable)",
    )
    rep.add_argument("--uncertainty", metavar="FILE", help="uncertainty file (YAML)")
    rep.add_argument("--sites", nargs="+", metavar="ID", help="site ids (default: 2-7)")
    rep.add_argument(
        "--n-psa",
        type=count(2, lim.MAX_SAMPLES),
        default=20_000,
        help="Monte Carlo samples (20000)",
    )
    rep.add_argument(
        "--n-sobol",
        type=count(2, lim.MAX_SOBOL_BASE),
        default=4096,
        help="Sobol base samples (4096)",
    )
    seed_option(rep, 20121)
    rep.add_argument("--no-pdf", action="store_true", help="HTML only (no Chromium needed)")
    rep.add_argument(
        "--xlsx",
        action="store_true",
        help="also write report.xlsx: the economic case as an Excel workbook",
    )
    rep.add_argument("--title", help="report title")


def run(args: argparse.Namespace) -> int:
    from ..outputs.report import PdfMissingError, report, require_chromium
    from ..outputs.terminal import Progress

    guard(args, args.out, "--out", folder=True)
    params = load_params(args)
    if not args.no_pdf:
        try:
            require_chromium()
        except PdfMissingError as exc:  # say so now, not only after the analyses
            print(
                f"dsc-econ: note: the HTML will be written but no PDF ({exc})",
                file=sys.stderr,
            )
    kwargs = {"title": args.title} if args.title else {}
    uncertainty, estimate = _estimate(args, params)
    Progress("report").stage(  # on a terminal only; silent when piped
        f"Monte Carlo ({args.n_psa:,} samples), Sobol ({args.n_sobol:,} base samples), "
        "figures, HTML"
        + ("" if args.no_pdf else " and PDF")
        + f" ({estimate.text().split(' for ')[0]})"
    )
    try:
        files = report(
            args.out,
            params,
            scenario_files=args.scenario_file,
            uncertainty=uncertainty,
            sites=args.sites,
            n_psa=args.n_psa,
            n_sobol=args.n_sobol,
            seed=args.seed,
            pdf=not args.no_pdf,
            command_line=" ".join(["dsc-econ", *args.argv]),
            xlsx=args.xlsx,
            **kwargs,
        )
    except PdfMissingError as exc:
        if exc.html is None:
            raise
        print(f"wrote {exc.html}")
        print(f"dsc-econ: error: {exc}", file=sys.stderr)
        return EXIT_PDF_MISSING
    from ..outputs.terminal import terminal_width, wrap

    text = (
        f"wrote {files.html}"
        + (f", {files.xlsx}" if files.xlsx else "")
        + (f" and {files.pdf}" if files.pdf else "")
    )
    print(wrap(text, terminal_width(), "", "  "))
    return 0


def _estimate(args: argparse.Namespace, params: Any) -> tuple[Any, Any]:
    """The report's uncertainty and the time and memory it should take.

    A run well beyond a default report's few seconds is announced on stderr before it
    starts; one too large for memory is refused by
    :func:`~dsc_econ.outputs.report.report`, naming the size that fits."""
    from ..sensitivity import estimates as est
    from ..sensitivity import memory
    from ..sensitivity.distributions import load_uncertainty

    uncertainty = load_uncertainty(args.uncertainty, params)
    sites = params.check_sites(args.sites) if args.sites else params.impact_sites()
    factors = len(dict.fromkeys(uncertainty.problem(groups=True)["groups"]))
    estimate = est.report_estimate(
        args.n_psa,
        args.n_sobol,
        factors,
        len(uncertainty.columns),
        len(sites),
        pdf=not args.no_pdf,
    )
    analyses = estimate.seconds - est.REPORT_SECONDS  # beyond a default report's minute
    large = analyses > est.ANNOUNCE_SECONDS or estimate.bytes > est.ANNOUNCE_BYTES
    if large and estimate.bytes <= memory.budget():
        est.announce(estimate, f"--n-psa {args.n_psa:,}, --n-sobol {args.n_sobol:,}")
    return uncertainty, estimate
