import { expect } from 'chai';
import { backoffDelay } from '../../src/fetch/backoff.js';
import { CredentialStore, parseNetrc } from '../../src/fetch/credentials.js';
import { LineProgress } from '../../src/fetch/progress.js';
import { checkUrl, redactUrl, storeNameForUrl } from '../../src/fetch/urls.js';

describe('fetch helpers', () => {
  it('parses netrc machines, default, and skips macros', () => {
    const m = parseNetrc(
      'machine a.org login u password p\nmacdef init\ncd /x\n\ndefault login anon password x@y\n',
    );
    expect(m.get('a.org')).to.deep.equal({ login: 'u', password: 'p' });
    expect(m.get('*')).to.deep.equal({ login: 'anon', password: 'x@y' });
  });

  it('sends the bearer token of FAIRPOD_HTTP_TOKEN only to FAIRPOD_HTTP_TOKEN_HOSTS', () => {
    const c = new CredentialStore(
      { FAIRPOD_HTTP_TOKEN: 'tok', FAIRPOD_HTTP_TOKEN_HOSTS: 'esgf.org' },
      '/nonexistent',
    );
    expect(c.headersFor(new URL('https://ESGF.org/x'))).to.deep.equal({ authorization: 'Bearer tok' });
    expect(c.headersFor(new URL('https://evil.org/x'))).to.deep.equal({});
  });

  it('draws backoff delays with full jitter under an exponential, capped bound', () => {
    const b = { baseMs: 100, capMs: 1000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, b, () => 1))).to.deep.equal([100, 200, 400, 800, 1000]);
    expect(backoffDelay(3, b, () => 0)).to.equal(0);
  });

  it('names the store location of a URL and redacts credentials', () => {
    expect(storeNameForUrl(checkUrl('http://h.org:8080/CMIP6/a%20b/tas_2000.nc'))).to.deep.equal({
      host: 'h.org_8080',
      name: 'CMIP6/a b/tas_2000',
      ext: 'nc',
    });
    expect(storeNameForUrl(checkUrl('https://h.org/.hidden/f'))).to.deep.equal({
      host: 'h.org',
      name: '_hidden/f',
      ext: '',
    });
    expect(redactUrl('https://u:p@h.org/x')).to.equal('https://h.org/x');
  });

  it('prints a progress line with bytes, files and rate', () => {
    const lines: string[] = [];
    const p = new LineProgress((l) => lines.push(l), 10_000);
    p.started(4 * 2 ** 20);
    p.received(2 ** 20);
    p.finished();
    p.stop();
    expect(p.line()).to.match(/^download: 1\.0 of 4\.0 MiB, 1 file\(s\) done, 0 running, [\d.]+ MiB\/s$/);
  });
});
