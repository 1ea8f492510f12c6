"""What the WeChat account says, in short plain Simplified Chinese, and the words it understands
beyond the chat core's (chat/texts.py: the intents, 搜, the shared phrases).

A WeChat reply is one message: a text (links as <a href>, which WeChat makes tappable, as it does
phone numbers) or one 图文 card. So the numbered article list takes the place of the bot's
buttons, and a number sent back picks an article.
"""

from __future__ import annotations

from tingbao.chat import texts

WELCOME = (
    "您好！欢迎关注《{paper}》。\n"
    "发“最新”看最新一期，发数字听文章，发“热线”找编辑部，发“搜”加词找文章。"
)
HELP = (
    "这样用：\n"
    "发“最新”：看最新一期\n"
    "发数字（比如 1）：看并收听那篇文章\n"
    "发“慢”：慢速收听刚才那篇\n"
    "发“收听”：听整期\n"
    "发“往期”：看以前的报纸\n"
    "发“热线”：编辑部电话和地址\n"
    "发“搜”加上词：找文章，比如：搜 垃圾分类\n"
    "也可以按住说话。"
)
HELP_CHANGE_PAPER = "发“换报纸”：看别的报纸"
ISSUE_HEAD = "{title}\n共{count}篇，点标题阅读和收听："
ISSUE_FOOT = "回复数字收听，比如：1"
ISSUE_MORE = '<a href="{url}">看全部{count}篇</a>'
ARTICLE_HINT = "点开阅读和收听。回复“慢”听慢速朗读。"
SLOW_TITLE = "慢速收听：{title}"
SLOW_HINT = "点开收听慢速朗读。"
SLOW_WHICH = "请先发数字选一篇文章，再发“慢”。"
NO_SUCH_NUMBER = "没有第{number}篇。这一期共{count}篇，请发1到{count}的数字。"
ISSUE_AUDIO_TITLE = "收听整期：{title}"
ISSUE_AUDIO_HINT = "点开收听整期，共{count}篇。"
ARCHIVE_HEAD = "往期报纸，点一期查看："
HITS_HEAD = "找到{count}篇和“{query}”有关的文章："
HITS_MORE = "只列出前{shown}篇，换个更准的词试试。"
NOTHING_FOUND = "没有找到和“{query}”有关的文章。\n发“最新”看最新一期，发“热线”找编辑部。"
CHOOSE_PAPER = "您想看哪一份报纸？请回复数字："
PAPER_LINE = "{number}. 《{paper}》"
PAPER_CHOSEN = "好的，现在看《{paper}》。想换别的报纸，发“换报纸”。"
SUBSCRIBED_VERIFIED = "您已关注，出新一期时会推送给您。不想收了，取消关注就行。"
SUBSCRIBED_PLAIN = "您已关注。出新一期时发“最新”就能看到。"
UNSUBSCRIBE = "不想收到消息，取消关注就行：点右上角，再点“不再关注”。"
VOICE_WITHOUT_TEXT = "没听清。请打字发“最新”“热线”，或发数字听文章。"
OTHER_KIND = "收到了，谢谢！这里能看报、听报：发“最新”看最新一期，发“热线”找编辑部。"
BUSY = "正在查找，请稍等几秒再发一次。"
HOTLINE_HEAD = "《{paper}》编辑部"
HOTLINE_LINE = "新闻热线：{value}"
EMAIL_LINE = "投稿邮箱：{value}"
ADDRESS_LINE = "地址：{value}"

# Words the account reads as intents besides the chat core's (texts.KEYWORDS), checked first.
EXTRA_KEYWORDS: tuple[tuple[texts.Intent, tuple[str, ...]], ...] = (
    ("hotline", ("地址", "邮箱", "在哪")),
    ("latest", ("目录", "本期", "这期")),
)
SLOW_WORDS = ("慢", "慢速", "慢点", "慢一点", "慢一些", "慢慢读", "慢速收听", "慢速朗读")
# The menu's click events name intents (wechat/menu.py sets them).
CLICK_INTENTS: tuple[texts.Intent, ...] = ("latest", "listen", "hotline")
