#!/usr/bin/env bash
# Refreshes the screenshots the README and docs show (docs/screenshots/*.png): the dashboard pages (desktop and a
# 390px phone) and the API reference at /docs, each taken in Debian's Chromium by the end-to-end tests against a real
# server. A plain `dotnet test` takes the same screenshots into a temporary folder and leaves docs/ alone; this
# command is the only thing that writes them into the checkout (PUBSUB_WRITE_SCREENSHOTS=1).
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build PubSub.Tests -v q -clp:ErrorsOnly
PUBSUB_WRITE_SCREENSHOTS=1 dotnet test PubSub.Tests --no-build --filter "FullyQualifiedName~PubSub.Tests.EndToEnd"
git status --short docs/screenshots
