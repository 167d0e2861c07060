package dev.portd.metrics;

import io.prometheus.metrics.instrumentation.dropwizard5.labels.CustomLabelMapper;
import io.prometheus.metrics.instrumentation.dropwizard5.labels.MapperConfig;
import java.util.Map;

/**
 * {@link Families} as the Prometheus client's label mapper. Its glob syntax needs a dot, so the one-word
 * Dropwizard names ({@code leases}, {@code probe}, ...) are renamed here; a name the table does not know
 * still gets the {@code portd_} prefix and a valid name, so nothing unnamed reaches a scrape.
 */
final class Naming extends CustomLabelMapper {
    private static final String TOTAL = "_total"; // DropwizardExports asks a meter's name with this appended

    private final Map<String, String> plain = Families.plain();

    Naming() {
        super(Families.globs().stream()
                .map(f -> new MapperConfig(f.dropwizard(), f.name(), Map.of(f.label(), "${0}")))
                .toList());
    }

    @Override
    public String getName(String dropwizardName) {
        String base = dropwizardName.endsWith(TOTAL)
                ? dropwizardName.substring(0, dropwizardName.length() - TOTAL.length()) : dropwizardName;
        String name = plain.get(base);
        if (name != null) {
            return name;
        }
        name = super.getName(dropwizardName);
        return name.equals(dropwizardName) ? "portd_" + dropwizardName.replaceAll("[^A-Za-z0-9_]", "_") : name;
    }
}
