// p50/p90 of GET /api/v1/search over a fixed list of queries, sequential, one connection.
const [base, token] = process.argv.slice(2);
const qs = ['права человека', 'мониторинга выборов', 'human rights', 'elections report', 'музея', 'heritage youth', 'Samara', 'veteran*', '"права человека"', 'культурное наследие'];
const t = [];
for (let round = 0; round < 6; round++)
  for (const q of qs) {
    const t0 = performance.now();
    const r = await fetch(`${base}/api/v1/search?q=${encodeURIComponent(q)}&limit=20`, { headers: { authorization: `Bearer ${token}` } });
    const j = await r.json();
    if (round > 0) t.push(performance.now() - t0);
    if (round === 0) console.log(q, r.status, j.items?.length, j.approximate);
  }
t.sort((a, b) => a - b);
console.log(`n=${t.length} p50=${t[Math.floor(t.length / 2)].toFixed(2)} ms p90=${t[Math.floor(t.length * 0.9)].toFixed(2)} ms`);
