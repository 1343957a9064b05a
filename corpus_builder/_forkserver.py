"""Imported first by the worker pool's fork server (:func:`corpus_builder.pipeline._pool_context`),
and meant for that process only: it ignores SIGINT from the start.

multiprocessing's fork server ignores SIGINT once its modules are imported, but importing spaCy
takes 2-4 s, and a Ctrl-C in that window printed the server's ``KeyboardInterrupt`` traceback
over the run's own "interrupted" line. Stopping the server is the parent's job: it exits when the
parent and the workers are gone.
"""

import signal

signal.signal(signal.SIGINT, signal.SIG_IGN)

# The server is ours too: LightGBM is imported here, lean (boilerplate.classifier.lean_lightgbm),
# once for every worker forked from it.
from corpus_builder.boilerplate.classifier import import_lightgbm, lean_lightgbm  # noqa: E402

lean_lightgbm()
import_lightgbm()
