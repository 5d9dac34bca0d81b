# Debian's Python with PyYAML: test/registry/fairClientSession.test.ts runs pyDataPipeline's request
# sequence (test/fixtures/fair/pipeline_client.py, urllib + yaml.safe_load) inside `fairpod run CONFIG`.
apt_install python3 python3-yaml git
# The FAIR data registry (test/peers/data-registry.tar.gz, Django) as a test peer:
# test/interop/dataRegistry.ts runs it from Debian's packages of its requirements.txt.
apt_install python3-django python3-djangorestframework python3-django-filters python3-django-extensions \
  python3-prov python3-pydot python3-networkx python3-rdflib python3-boto3 python3-whitenoise \
  python3-markdown python3-dateutil python3-lxml python3-semver python3-requests
