package dev.portd.server;

import dev.portd.protocol.Reply;

/** What {@link ReplyEncoder} writes: a reply or an event line that renders itself as text or JSON. */
interface Outgoing {
    /** Appends the bytes to send, every line ending in LF. */
    void render(StringBuilder sb);

    static Outgoing of(Reply reply, boolean json) {
        return sb -> render(reply, json, sb);
    }

    static void render(Reply reply, boolean json, StringBuilder sb) {
        if (json) {
            reply.appendJson(sb);
        } else {
            reply.appendText(sb);
        }
    }
}
