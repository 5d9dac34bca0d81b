# Debian's Python with PyYAML: test/registry/fairClientSession.test.ts runs pyDataPipeline's request
# sequence (test/fixtures/fair/pipeline_client.py, urllib + yaml.safe_load) inside `fairpod run CONFIG`.
# The interop suite runs the FAIR Data Pipeline's own software from test/peers/:
# - pyDataPipeline's test suite (pytest with pytest-cov, as its pyproject's addopts ask; requests);
# - FAIR-CLI (click, GitPython, Jinja2, pydantic 1 with email-validator, rich, semver, simplejson, toml,
#   validators; fake-useragent is not in Debian: test/interop/fairCli.test.ts writes a stand-in).
apt_install python3 python3-yaml git python3-requests python3-pytest python3-pytest-cov \
  python3-click python3-git python3-jinja2 python3-pydantic python3-email-validator python3-rich \
  python3-semver python3-simplejson python3-toml python3-validators
# The FAIR data registry (test/peers/data-registry.tar.gz, Django) as a test peer:
# test/interop/dataRegistry.ts runs it from Debian's packages of its requirements.txt.
apt_install python3-django python3-djangorestframework python3-django-filters python3-django-extensions \
  python3-prov python3-pydot python3-networkx python3-rdflib python3-boto3 python3-whitenoise \
  python3-markdown python3-dateutil python3-lxml python3-semver python3-requests
apt_install python3-prov # test/registry/provReport.test.ts reads fairpod's PROV reports back with python prov, the FAIR registry's library (rdflib comes with it)
