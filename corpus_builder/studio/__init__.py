"""Label Studio round-trip: labeling config, tasks with predictions, annotation merge, SDK client, local server.

Data flow: workspace Documents → :mod:`.tasks` (one task per document, predictions with
``model_version``) → Label Studio → full JSON export → :mod:`.merge` (human annotations back into
Documents, predictions kept apart) → workspace. :mod:`.commands` composes these with the
:mod:`.client` (label-studio-sdk 2.x); :mod:`.cli` is the thin typer layer; :mod:`.quality` scores the
predictions against the human labels for the release manifest.

Offsets: code points everywhere in our records; UTF-16 conversion lives in :mod:`.tasks` only.
"""
