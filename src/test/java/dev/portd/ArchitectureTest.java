package dev.portd;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The house rule on the shape of the code: dependencies point from the edges (server, cli, jmx,
 * daemon) to the domain ({@code table}), which depends on nothing of portd. In layers, each using only
 * those below it: {@code table}; {@code store}, {@code probe} and {@code health}; {@code protocol}; {@code backup},
 * {@code server}, {@code jmx}, {@code metrics} and {@code log}; {@code daemon}, which wires them; and
 * {@code cli}. No package may reach back up, so no two packages depend on each other.
 */
@AnalyzeClasses(packages = "dev.portd", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    @ArchTest
    static final ArchRule tableDependsOnNothingOfPortd = noClasses().that().resideInAPackage("dev.portd.table..")
            .should().dependOnClassesThat(resideInAPackage("dev.portd..").and(not(resideInAPackage("dev.portd.table.."))))
            .because("the table is the domain: the edges depend on it, never the reverse");

    @ArchTest
    static final ArchRule storeDependsOnlyOnTable = noClasses().that().resideInAPackage("dev.portd.store..")
            .should().dependOnClassesThat(resideInAPackage("dev.portd..")
                    .and(not(resideInAnyPackage("dev.portd.store..", "dev.portd.table.."))))
            .because("the store keeps the table; it knows nothing of how requests arrive");

    @ArchTest
    static final ArchRule healthDependsOnlyOnTable = noClasses().that().resideInAPackage("dev.portd.health..")
            .should().dependOnClassesThat(resideInAPackage("dev.portd..")
                    .and(not(resideInAnyPackage("dev.portd.health..", "dev.portd.table.."))))
            .because("health checks watch the table's leases; they know nothing of requests, the store or JMX");

    /** The others read health through the table's {@code Health.Results}; the daemon starts the checks. */
    @ArchTest
    static final ArchRule onlyTheDaemonKnowsHealthChecks = noClasses()
            .that().resideOutsideOfPackages("dev.portd.health..", "dev.portd.daemon..")
            .should().dependOnClassesThat().resideInAPackage("dev.portd.health..");

    @ArchTest
    static final ArchRule protocolDoesNotKnowTheEdges = noClasses().that().resideInAPackage("dev.portd.protocol..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "dev.portd.server..", "dev.portd.daemon..", "dev.portd.jmx..", "dev.portd.cli..", "dev.portd.backup..")
            .because("the protocol is spoken the same over any transport and from any front end;"
                    + " BACKUP and BACKUPS reach the snapshots through the protocol's own Snapshots");

    @ArchTest
    static final ArchRule backupKeepsToTheProtocolStoreAndTable = noClasses().that().resideInAPackage("dev.portd.backup..")
            .should().dependOnClassesThat(resideInAPackage("dev.portd..").and(not(resideInAnyPackage(
                    "dev.portd.backup..", "dev.portd.protocol..", "dev.portd.store..", "dev.portd.table.."))))
            .because("a snapshot is the table written with the protocol's rules; the daemon schedules it");

    @ArchTest
    static final ArchRule jmxSeesTheDaemonThroughItsView = noClasses().that().resideInAPackage("dev.portd.jmx..")
            .should().dependOnClassesThat().resideInAnyPackage("dev.portd.daemon..", "dev.portd.server..", "dev.portd.cli..")
            .because("the beans read and change the domain through jmx.Managed, which the daemon implements when it wires");

    @ArchTest
    static final ArchRule metricsReadsTheDomainAndTheRegistryOnly = noClasses().that().resideInAPackage("dev.portd.metrics..")
            .should().dependOnClassesThat(resideInAPackage("dev.portd..")
                    .and(not(resideInAnyPackage("dev.portd.metrics..", "dev.portd.table..", "dev.portd.store..", "dev.portd.probe.."))))
            .because("the Prometheus endpoint shows the registry and the domain; the daemon starts it");

    @ArchTest
    static final ArchRule onlyTheDaemonStartsMetrics = noClasses()
            .that().resideOutsideOfPackages("dev.portd.metrics..", "dev.portd.daemon..")
            .should().dependOnClassesThat().resideInAPackage("dev.portd.metrics..");

    /**
     * The daemon assembles everything, so nothing should need it. One edge still does, the outermost:
     * cli ({@code portctl} finds the socket by {@code Paths}), which nothing below depends on.
     */
    @ArchTest
    static final ArchRule nothingDependsOnTheDaemon = noClasses()
            .that().resideOutsideOfPackages("dev.portd.daemon..", "dev.portd.cli..")
            .should().dependOnClassesThat().resideInAPackage("dev.portd.daemon..");

    /** No exceptions: a package that depends on another is never depended on by it, directly or round about. */
    @ArchTest
    static final ArchRule noCyclesBetweenPackages = slices().matching("dev.portd.(*)..").should().beFreeOfCycles();
}
