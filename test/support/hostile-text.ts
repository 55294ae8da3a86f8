/**
 * Text an attacker controls through principal names, client ids and messages in audit
 * events: everything a reader's client might interpret — Slack mentions and links,
 * Markdown, HTML, control, line and bidi characters.
 */
export const ATTACKER_TEXT =
  '<!channel> <!here> <!everyone> <@U123ABC> <#C999|general> <https://evil.example/login|Click to re-authenticate> ' +
  '*bold* _it_ ~strike~ `code` ```block``` > quote [link](https://evil.example) # Heading ' +
  '<script>alert(1)</script><img src=x onerror=alert(1)> &amp; &lt; @here @channel ' +
  '\u0000\u0007\b\r\n\tnewline\u2028line-sep\u2029para\u202eRTL-override\u2066isolate\u200b';

/** Control, line-separator and bidi characters; no sink may show one (Slack's own layout newlines aside). */
// eslint-disable-next-line no-control-regex -- matches control characters on purpose
export const CONTROL_OR_BIDI = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
