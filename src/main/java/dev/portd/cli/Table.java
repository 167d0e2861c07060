package dev.portd.cli;

import dev.portd.protocol.Row;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Data lines for people: {@code key=value} lines as aligned columns, STATS as aligned pairs. */
final class Table {
    private Table() {}

    /**
     * One column per key, headed by the key in capitals, in the order the daemon writes keys: a key
     * only some lines have (pid, expires, desc) keeps its place relative to the keys around it in
     * those lines, and reads "-" where a line lacks it. Where the lines leave the order open (one
     * has expires, another desc), {@code documented} decides: the verb's "Keys:" help line.
     */
    static void print(List<String> lines, List<String> documented, PrintStream out) {
        List<Map<String, String>> rows = new ArrayList<>(lines.size());
        for (String line : lines) {
            rows.add(Row.parse(line));
        }
        List<String> columns = columns(rows, documented);
        if (columns.isEmpty()) {
            lines.forEach(out::println); // not key=value after all: show as is
            return;
        }
        List<String[]> cells = new ArrayList<>(rows.size() + 1);
        cells.add(columns.stream().map(k -> k.toUpperCase(Locale.ROOT)).toArray(String[]::new));
        for (Map<String, String> r : rows) {
            cells.add(columns.stream().map(k -> r.getOrDefault(k, "-")).toArray(String[]::new));
        }
        printAligned(cells, out);
    }

    /** Keys ordered so that every line's own order holds; ties by the documented order, then first appearance. */
    static List<String> columns(List<Map<String, String>> rows, List<String> documented) {
        List<List<String>> shapes = rows.stream().map(r -> List.copyOf(r.keySet())).distinct().toList(); // a few
        Set<String> seen = new LinkedHashSet<>();
        shapes.forEach(seen::addAll);
        List<String> left = new ArrayList<>(seen);
        left.sort(Comparator.comparingInt(k -> documented.contains(k) ? documented.indexOf(k) : documented.size()));
        List<String> order = new ArrayList<>(left.size());
        while (!left.isEmpty()) {
            String next = left.get(0); // on a cycle (no order satisfies every line), the first candidate wins
            for (String k : left) {
                if (shapes.stream().noneMatch(shape -> before(shape, left, k))) {
                    next = k;
                    break;
                }
            }
            order.add(next);
            left.remove(next);
        }
        return order;
    }

    /** Whether a line of this shape puts some other key still in {@code left} before k. */
    private static boolean before(List<String> shape, List<String> left, String k) {
        if (!shape.contains(k)) {
            return false;
        }
        for (String key : shape) {
            if (key.equals(k)) {
                return false;
            }
            if (left.contains(key)) {
                return true;
            }
        }
        return false;
    }

    /** {@code key=value} lines (STATS) as two aligned columns; values unquoted. */
    static void printPairs(List<String> lines, PrintStream out) {
        List<String[]> cells = new ArrayList<>(lines.size());
        for (String line : lines) {
            int eq = line.indexOf('=');
            if (eq < 0) {
                cells.add(new String[] {line, ""});
                continue;
            }
            String value = line.substring(eq + 1);
            if (value.startsWith("\"")) {
                value = Row.parse("v=" + value).getOrDefault("v", value);
            }
            cells.add(new String[] {line.substring(0, eq), value});
        }
        printAligned(cells, out);
    }

    private static void printAligned(List<String[]> cells, PrintStream out) {
        if (cells.isEmpty()) {
            return;
        }
        int n = cells.get(0).length;
        int[] width = new int[n];
        for (String[] row : cells) {
            for (int i = 0; i < n; i++) {
                width[i] = Math.max(width[i], row[i].length());
            }
        }
        StringBuilder sb = new StringBuilder(128);
        for (String[] row : cells) {
            sb.setLength(0);
            for (int i = 0; i < n; i++) {
                sb.append(row[i]);
                if (i < n - 1) {
                    sb.append(" ".repeat(width[i] - row[i].length() + 2));
                }
            }
            out.println(sb.toString().stripTrailing());
        }
    }
}
