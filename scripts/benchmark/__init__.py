"""Benchmark the SmartSense integration at account scale (docs/performance.md).

Each account size (sensor points on the simulator) runs in worker processes of
its own: Home Assistant in-process, as the tests run it, against the simulator
in a further process (so that its work is neither on this event loop nor in
this process's CPU time). A worker measures:

- HTTP requests per poll by path, and the response bytes received;
- token requests over a simulated 24 h of polling (96 polls, 15 min apart; the
  simulator's clock and the client's are advanced, not slept);
- the coordinator update (fetch, decode, index) per poll, wall and CPU time,
  and beside it the CPU time of ``json.loads`` of the very same bodies;
- the longest single event-loop callback during setup and during a poll;
- the time from ``async_setup_entry`` until every entity has a state, the
  objects tracked by the cyclic GC, and the peak RSS growth over setup and polls.

Home Assistant 2026.10 registers at most 10,000 enabled entities per config
entry. Where an account offers more, the size is also run with that cap lifted,
to show what the integration itself costs with all its entities.

Modules: ``probe`` (what measures), ``harness`` (simulator and Home Assistant),
``in_home_assistant`` (setup and polls with entities), ``polls`` (the
coordinator alone over a day), ``report`` (table and targets), ``__main__``
(the command and its workers). Run it as ``scripts/bench``; ``--sizes
10,1000`` runs a subset, ``--json PATH`` keeps the figures.
"""
