"""Command line: ``python -m amlx_lab.serving --model PATH --key-file FILE [--port N] ...``.

Keys are read from the 0600 key file only, never from argv or the
environment, and are never logged. See ``amlx_lab.serving`` for the files the
server reads and writes.
"""

from __future__ import annotations

import argparse
import logging
import sys

from .server import ServerConfig, run


def _port(text: str) -> int:
    value = int(text)
    if not 0 <= value < 65536:
        raise argparse.ArgumentTypeError("a port is 0..65535 (0 = pick a free one)")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m amlx_lab.serving",
        description="Serve one deployed model over HTTP on 127.0.0.1 with key auth (Azure ML / MLflow payloads).",
    )
    what = p.add_argument_group("what to serve (one of --model, --score-script; both for a script that reads the model)")
    what.add_argument("--model", help="MLflow model folder, .pkl/.joblib/.skops file, or a folder with one such file")
    what.add_argument("--score-script", help="score.py with init() and run(raw_data); AZUREML_MODEL_DIR = the --model folder")
    what.add_argument("--trust-skops-type", action="append", default=[], metavar="TYPE", help="extra type skops may load")
    net = p.add_argument_group("network")
    net.add_argument("--port", type=_port, default=0, help="this deployment's port on 127.0.0.1 (default 0: a free port)")
    net.add_argument("--endpoint-port", type=_port, help="the endpoint's port, held while this deployment is the front")
    net.add_argument("--allow-host", action="append", default=[], metavar="NAME", help="extra Host header name to accept")
    files = p.add_argument_group("files")
    files.add_argument("--key-file", required=True, help='0600 JSON file {"primary": ..., "secondary": ...}; re-read when it changes')
    files.add_argument("--state-file", help="JSON state written atomically once listening (bound port, pid, status)")
    files.add_argument("--stats-file", help="JSON stats written about once a second; counters survive a restart")
    files.add_argument("--routing-file", help="JSON traffic split of the endpoint's deployments; re-read when it changes")
    p.add_argument("--deployment", default="default", help="deployment name (routing, stats, azureml-model-deployment header)")
    limits = p.add_argument_group("limits")
    limits.add_argument("--max-body-bytes", type=int, default=10 * 1024 * 1024, help="larger bodies get 413 (default 10 MiB)")
    limits.add_argument(
        "--request-timeout", type=float, default=30.0, help="seconds to receive a body once its headers are in"
    )
    limits.add_argument(
        "--idle-timeout", type=float, default=75.0,
        help="seconds a connection may take to send the headers of its next request (idle keep-alive included)",
    )
    limits.add_argument("--forward-timeout", type=float, default=60.0, help="seconds to wait for a sibling deployment")
    limits.add_argument("--stats-interval", type=float, default=1.0, help="seconds between stats file writes")
    limits.add_argument(
        "--max-connections", type=int, default=4096,
        help="open connections at most; past it the longest-idle one is closed to make room (default 4096)",
    )
    limits.add_argument("--threads", type=int, default=1, help="worker threads that run predictions (default 1)")
    limits.add_argument(
        "--hung-after", type=float, default=30.0,
        help="seconds a prediction may run before /health answers 503 so the supervisor restarts the server",
    )
    p.add_argument("--log-level", default="INFO", choices=["DEBUG", "INFO", "WARNING", "ERROR"])
    args = p.parse_args(argv)
    if not args.model and not args.score_script:
        p.error("give --model or --score-script")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level, stream=sys.stderr, format="%(asctime)s %(levelname)s amlx.serving[%(process)d]: %(message)s"
    )
    config = ServerConfig(
        key_file=args.key_file,
        model=args.model,
        score_script=args.score_script,
        deployment=args.deployment,
        port=args.port,
        endpoint_port=args.endpoint_port,
        state_file=args.state_file,
        stats_file=args.stats_file,
        routing_file=args.routing_file,
        max_body=args.max_body_bytes,
        request_timeout=args.request_timeout,
        idle_timeout=args.idle_timeout,
        forward_timeout=args.forward_timeout,
        stats_interval=args.stats_interval,
        max_connections=args.max_connections,
        threads=args.threads,
        hung_after=args.hung_after,
        trusted_types=tuple(args.trust_skops_type),
        allowed_hosts=tuple(args.allow_host),
    )
    return run(config)


if __name__ == "__main__":
    sys.exit(main())
