# Debian's Python with PyYAML: test/registry/fairClientSession.test.ts runs pyDataPipeline's request
# sequence (test/fixtures/fair/pipeline_client.py, urllib + yaml.safe_load) inside `fairpod run CONFIG`.
apt_install python3 python3-yaml git
