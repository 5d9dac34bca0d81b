# Debian's Python with PyYAML: test/registry/fairClientSession.test.ts runs pyDataPipeline's request
# sequence (test/fixtures/fair/pipeline_client.py, urllib + yaml.safe_load) inside `fairpod run CONFIG`.
# The interop suite runs the FAIR Data Pipeline's own software from test/peers/: pyDataPipeline's test
# suite (pytest with pytest-cov, as its pyproject's addopts ask; requests) against `fairpod registry serve`.
apt_install python3 python3-yaml git python3-requests python3-pytest python3-pytest-cov
