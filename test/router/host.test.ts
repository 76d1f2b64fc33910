import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { appFromHost, normaliseHost, toOriginForm } from '../../src/router/host.js';
import { RouteTable, pickUpstream } from '../../src/router/route-table.js';

const appOf = (raw: string | undefined, domain = 'berth.test') => appFromHost(normaliseHost(raw), domain);

describe('host normalisation', () => {
  test('strips the port, lowercases and drops the root dot', () => {
    assert.equal(normaliseHost('MyApp.Berth.Test:8080'), 'myapp.berth.test');
    assert.equal(normaliseHost('myapp.berth.test.'), 'myapp.berth.test');
    assert.equal(normaliseHost('myapp.berth.test.:80'), 'myapp.berth.test');
    assert.equal(normaliseHost('[::1]:8080'), '[::1]');
    assert.equal(normaliseHost(undefined), '');
    assert.equal(normaliseHost(''), '');
  });

  test('maps <app>.<domain> in any spelling to the app', () => {
    assert.equal(appOf('shop.berth.test'), 'shop');
    assert.equal(appOf('SHOP.Berth.TEST:3000'), 'shop');
    assert.equal(appOf('shop.berth.test.'), 'shop');
    assert.equal(appOf('my-app2.berth.test'), 'my-app2');
    assert.equal(appOf('shop.localhost', 'localhost'), 'shop');
    assert.equal(appOf('shop.berth.test', 'Berth.Test.'), 'shop');
  });

  test('rejects foreign domains, nested labels and the bare domain', () => {
    assert.equal(appOf('shop.example.com'), undefined);
    assert.equal(appOf('shop.notberth.test'), undefined);
    assert.equal(appOf('shopberth.test'), undefined);
    assert.equal(appOf('a.shop.berth.test'), undefined);
    assert.equal(appOf('berth.test'), undefined);
    assert.equal(appOf('.berth.test'), undefined);
    assert.equal(appOf(undefined), undefined);
    assert.equal(appOf('127.0.0.1:80'), undefined);
  });

  test('rejects labels that cannot be app names', () => {
    assert.equal(appOf('9lives.berth.test'), undefined);
    assert.equal(appOf('my_app.berth.test'), undefined);
    assert.equal(appOf(`${'a'.repeat(31)}.berth.test`), undefined);
  });
});

describe('absolute-form requests', () => {
  const rewrite = (url: string, host?: string) => {
    const req = { url, headers: { host } };
    toOriginForm(req);
    return [req.url, req.headers.host];
  };
  test('take the host from the URI and keep the rest as origin form', () => {
    assert.deepEqual(rewrite('http://shop.berth.test/a/b?c=1', 'other.berth.test'), ['/a/b?c=1', 'shop.berth.test']);
    assert.deepEqual(rewrite('HTTPS://user:pw@Shop.Berth.Test:8443?q', 'x'), ['/?q', 'Shop.Berth.Test:8443']);
    assert.deepEqual(rewrite('http://shop.berth.test', undefined), ['/', 'shop.berth.test']);
  });
  test('leave origin form, asterisk form and other schemes alone', () => {
    assert.deepEqual(rewrite('/a?b', 'shop.berth.test'), ['/a?b', 'shop.berth.test']);
    assert.deepEqual(rewrite('*', 'shop.berth.test'), ['*', 'shop.berth.test']);
    assert.deepEqual(rewrite('ftp://x/y', 'shop.berth.test'), ['ftp://x/y', 'shop.berth.test']);
  });
});

describe('route table', () => {
  test('round-robins, keeps unknown apart from down, and skips malformed upstreams', () => {
    const table = new RouteTable();
    assert.deepEqual(table.resolve('web'), { kind: 'unknown' });
    const { skipped } = table.set({ app: 'web', upstreams: ['10.0.0.1:5000', 'nonsense', '10.0.0.2:5000'], release: 'v1', updatedAt: 0 });
    assert.deepEqual(skipped, ['nonsense']);
    const hosts = [1, 2, 3, 4].map(() => {
      const r = table.resolve('web');
      assert.equal(r.kind, 'up');
      return r.kind === 'up' ? pickUpstream(r.route, Date.now()).key : '';
    });
    assert.deepEqual(hosts, ['10.0.0.1:5000', '10.0.0.2:5000', '10.0.0.1:5000', '10.0.0.2:5000']);
    table.set({ app: 'web', upstreams: [], release: 'v2', updatedAt: 0 });
    assert.deepEqual(table.resolve('web'), { kind: 'down', app: 'web' });
    table.delete('web');
    assert.deepEqual(table.resolve('web'), { kind: 'unknown' });
  });
});
