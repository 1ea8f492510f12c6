"""The Telegram bot: latest issue, articles, audio, the hotline, and the new-issue outbox.

Entry points for the worker live in `tingbao.bot.app` (build_application, run_bot, drain_once,
start_embedded, stop_embedded), `tingbao.bot.health` (bot_username, for the health check) and
`tingbao.chat.subscribers` (enqueue_new_issue); its settings in `tingbao.bot.settings`.
"""
