"""Every text a user sees, in short plain Simplified Chinese, and the words the bot understands."""

from __future__ import annotations

from typing import Literal

from tingbao.reading.formats import accepted_text_zh

Intent = Literal[
    "paper", "latest", "listen", "archive", "hotline", "subscribe", "unsubscribe", "help"
]

BTN_LATEST = "最新一期"
BTN_LISTEN_ISSUE = "收听全刊"
BTN_ARCHIVE = "往期"
BTN_HOTLINE = "新闻热线"
BTN_SUBSCRIBE = "订阅提醒"
BTN_CHANGE_PAPER = "换报纸"  # shown with several papers
MAIN_BUTTONS: tuple[tuple[str, ...], ...] = (
    (BTN_LATEST, BTN_LISTEN_ISSUE),
    (BTN_ARCHIVE, BTN_HOTLINE),
    (BTN_SUBSCRIBE,),
)

# Checked in order: "取消订阅" must win over "订阅", "收听全刊" over "听".
KEYWORDS: tuple[tuple[Intent, tuple[str, ...]], ...] = (
    ("paper", ("换报纸", "换报", "选报纸", "换一份")),
    ("unsubscribe", ("退订", "取消订阅", "不要提醒")),
    ("subscribe", ("订阅",)),
    ("hotline", ("热线", "电话", "投稿", "联系")),
    ("archive", ("往期", "以前", "过去")),
    ("listen", ("收听", "听")),
    ("latest", ("最新", "新闻", "看报")),
    ("help", ("帮助", "help", "怎么用", "你好", "您好")),
)


# "搜 电梯", "搜索电梯": a search, whatever words follow (so "搜 电话" is not the hotline).
SEARCH_PREFIXES = ("搜索", "搜")


def search_words(text: str) -> str | None:
    """Return the words after 搜 or 搜索 at the start of a message, or None without it."""
    cleaned = text.strip()
    for prefix in SEARCH_PREFIXES:
        if cleaned.startswith(prefix):
            return cleaned[len(prefix) :].strip()
    return None


def intent_of(text: str) -> Intent | None:
    """Return what a plain message asks for, or None when it names nothing we know."""
    cleaned = text.strip().lower()
    if not cleaned or len(cleaned) > 20:
        return None
    for intent, words in KEYWORDS:
        if any(word in cleaned for word in words):
            return intent
    return None


BTN_LISTEN = "🔊 收听"
BTN_SLOW = "🐢 慢速收听"
BTN_NEXT = "下一篇"
BTN_TOC = "目录"
BTN_PREV_PAGE = "上一页"
BTN_NEXT_PAGE = "下一页"
BTN_UNSUBSCRIBE = "退订"
BTN_READ = "📖 阅读全文"
BTN_WEB_PAGE = "📖 网页阅读"
BTN_WEB_PLAYER = "📱 在 Telegram 里收听"
BTN_PUBLISH = "发布"
BTN_CANCEL = "取消"

WELCOME = (
    "您好！这里是《{paper}》。\n"
    "点下面的大按钮，就能看报、听报、找热线。\n"
    "也可以直接打字，比如：最新、听、热线。"
)
HELP = (
    "点下面的按钮就行：\n"
    "【最新一期】看最新的报纸\n"
    "【收听全刊】听整期报纸\n"
    "【往期】看以前的报纸\n"
    "【新闻热线】打电话给编辑部\n"
    "【订阅提醒】出新报纸时告诉您\n"
    "找文章：发“搜”加上要找的词，比如：搜 电梯"
)
HELP_CHANGE_PAPER = "【换报纸】看别的报纸"  # a line of HELP with several papers
CHOOSE_PAPER = "您想看哪一份报纸？请点报名："
PAPER_CHOSEN = "好的，现在看《{paper}》。想换别的报纸，点“换报纸”。"
ADMIN_CHOOSE_PAPER = "您是几份报纸的编辑。请先点报名选好报纸，再把文件发过来。"
NO_ISSUE = "还没有报纸发布，请过几天再来看看。"
ISSUE_HEAD = "{title}\n{date}出版，共{count}篇文章。\n点标题阅读："
NEW_ISSUE_HEAD = "新一期《{paper}》出版了！\n{title}\n{date}出版，共{count}篇文章。\n点标题阅读："
NO_ARTICLE = "找不到这篇文章了，请点“最新一期”。"
LAST_ARTICLE = "这已经是最后一篇了。点“目录”看其他文章。"
AUDIO_PENDING = "语音正在制作，请稍后再试。"
AUDIO_TOO_BIG = "这段录音太大，发不过来。请点链接在网页上收听：\n{url}"
AUDIO_FAILED = "抱歉，录音没有发出去。请点链接在网页上收听：\n{url}"
ISSUE_AUDIO_PENDING = "整期的语音正在制作，请稍后再试。"
CHAPTERS_HEAD = "全刊目录："
ARCHIVE_HEAD = "往期报纸（第{page}页，共{pages}页）。点一期查看："
ARCHIVE_EMPTY = "还没有往期报纸。"
SEARCH_USAGE = "请在“搜”后面写要找的词，比如：搜 垃圾分类"
SEARCH_NONE = "没有找到和“{query}”有关的文章。"
SEARCH_HITS = "找到{count}篇和“{query}”有关的文章，点标题阅读："
SEARCH_HITS_PAGED = "找到{count}篇和“{query}”有关的文章（第{page}页，共{pages}页），点标题阅读："
CARD_LINE = "《{paper}》{date}"
NOT_UNDERSTOOD = "没有看懂您的意思。请点下面的按钮。"
HOTLINE_LINE = "📞 新闻热线：{value}"
EMAIL_LINE = "✉️ 投稿邮箱：{value}"
ADDRESS_LINE = "🏠 地址：{value}"
HOTLINE_HEAD = "《{paper}》编辑部"
HOTLINE_TAP = "点下面的名片就能打电话。"
NO_CONTACT = "暂时没有热线信息，请稍后再试。"
CONTACT_LAST_NAME = "新闻热线"
SUBSCRIBED = "订阅好了！出新一期时，我会发消息告诉您。\n不想收了，发“退订”就行。"
ALREADY_SUBSCRIBED = "您已经订阅了。不想收了，点“退订”。"
UNSUBSCRIBED = "已退订，不会再发提醒给您。想再订阅，点“订阅提醒”。"
NOT_SUBSCRIBED = "您还没有订阅。想订阅，点“订阅提醒”。"
TOO_FAST = "您操作得太快了，请休息一下，一分钟后再试。"
STALE_BUTTON = "这个按钮已经失效，请点下面的按钮重新开始。"
BOT_OFF = "Telegram bot is off: TELEGRAM_BOT_TOKEN is not set"

NOT_ADMIN_DOC = "谢谢您！这里只收编辑部的稿件。{how}"
HOW_TO_CONTRIBUTE_EMAIL = "投稿请发邮件到 {email}。"
HOW_TO_CONTRIBUTE_PHONE = "投稿请打热线 {hotline}。"
HOW_TO_CONTRIBUTE_NONE = "投稿请联系编辑部。"
NOT_ADMIN_COMMAND = "抱歉，这个功能只给编辑部使用。"
BAD_DOC_TYPE = f"只能读 {accepted_text_zh()} 文件。"
DOC_TOO_BIG = "文件太大（超过{limit_mb}MB），请把它放进收件箱文件夹。"
PARSE_FAILED = "读不出这个文件：{reason}"
PREVIEW_HEAD = "请核对：\n📅 日期：{date}\n📰 标题：{title}\n文章（{count}篇）："
PREVIEW_CONTACT = "联系方式：{found}"
PREVIEW_NO_CONTACT = "联系方式：没有找到"
PREVIEW_WARNINGS = "⚠️ 提醒："
PREVIEW_ASK = "没问题就点“发布”。"
LAYOUT_CAPTION = "版面识别：第{pages}页（编号为阅读顺序）"
PHOTO_COMPRESSED = "照片经 Telegram 压缩过，小字可能认不准；想更准，请把原图作为“文件”发送。"
LAYOUT_CAPTION_MORE = "版面识别：第{pages}页，共{total}页（编号为阅读顺序）"
PUBLISHED = "已交给发布流程：{name}\n几分钟后就能在“最新一期”看到。"
PUBLISH_FAILED = "发布失败：{reason}"
PUBLISH_RETRY = "暂时存不进收件箱，请稍后再点“发布”。"
CANCELLED = "已取消，这份稿件不会发布。"
UPLOAD_EXPIRED = "这份稿件已过期，请重新发送。"
STATS = (
    "订阅人数：{active}（共{total}人订阅过）\n"
    "提醒发送：已送达{sent}，待发送{pending}，发送中{sending}，"
    "不确定{unknown}，被屏蔽{blocked}，失败{failed}"
)
STATS_LATEST = "最新一期 {issue}：已送达{sent}，待发送{pending}"
STATS_PAPER = "《{paper}》"  # heads /stats with several papers

# The pronunciation lexicon (/读音, editors only).
LEXICON_USAGE = (
    "用法：\n"
    "/读音 词 读法：添加或修改，比如 /读音 莘庄 新庄，或 /读音 莘庄 xin1 zhuang1\n"
    "/读音：查看读音表\n"
    "/读音删 词：删除"
)
LEXICON_SAVED = "记下了：“{word}”读作“{homophone}”（{pinyin}）。\n含这个词的文章会重新朗读。"
LEXICON_CURRENT = "“{word}”现在读作“{homophone}”（{pinyin}）。"
LEXICON_REMOVED = "已删除“{word}”的读音。\n含这个词的文章会重新朗读。"
LEXICON_NOT_FOUND = "读音表里没有“{word}”。"
LEXICON_REMOVE_USAGE = "请写上要删除的一个词，比如：/读音删 莘庄"
LEXICON_BAD = "没有记下：{reason}\n比如：/读音 莘庄 新庄，或 /读音 莘庄 xin1 zhuang1"
LEXICON_HEAD = "读音表（共{count}条）："
LEXICON_LINE = "{word} → {homophone}  {pinyin}{marks}"
LEXICON_DEFAULT = "（默认）"
LEXICON_SURNAME = "（姓，只在人名里）"
LEXICON_EMPTY = "读音表是空的。"
# Why a reading was refused, by LexiconError.code; {detail} is the piece at fault.
LEXICON_REASONS = {
    "no_chinese": "“{detail}”里没有汉字。",
    "word_too_long": "词太长了，最多20个字。",
    "no_reading": "没有写读法。",
    "bad_characters": "读法只能写同音的汉字或拼音。",
    "no_tone": "拼音要带声调。",
    "bad_syllable": "“{detail}”不是正确的拼音，声调写1到5。",
    "syllable_count": "拼音要一个字一个音节。",
    "homophone_count": "同音字要和原词一样多，一个字对一个字。",
    "homophone_unknown": "同音字里有不常用的字，请换成常用字。",
    "homophone_mismatch": "同音字读作 {detail}，和拼音对不上。只写一种也行。",
    "no_homophone": "没有只读 {detail} 的常用字，请把同音字也写上。",
    "control_character": "里面有看不见的控制字符（{detail}），请删掉后重新输入。",
    "private_use": "里面有显示不出来的特殊字符（{detail}），请删掉后重新输入。",
    "markup": "词和读法里不能有符号 {detail}，请只写汉字或拼音。",
}
LEXICON_REASON_OTHER = "读法不对。"


def lexicon_reason(code: str, detail: str) -> str:
    """Return why a reading was refused, from the error's code."""
    return LEXICON_REASONS.get(code, LEXICON_REASON_OTHER).format(detail=detail)
