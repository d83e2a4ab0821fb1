"""`make bench`: the bot's throughput and latency under load, with authentication on, against the stock echo bot.

Each server runs in its own process (the stock echo bot, the project's echo, the real app, the local
connector), the load generator in the bench process; everything is on loopback and every loop is bounded in
count and time. `python -m tests.bench` prints one `NAME: VALUE` line per figure on stdout; progress goes to
stderr.
"""
