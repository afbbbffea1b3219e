using Cic.AppHost;
using Cic.Testing;
using k8s;
using k8s.Models;

namespace Cic.Deployment.Tests;

/// <summary>
/// The production manifests (deploy/k8s): read strictly into the Kubernetes API's own models, so an
/// unknown or misspelt field fails here (./cic check-deploy validates them against the API's schemas);
/// and each service gets what it reads, under the names the AppHost uses.
/// </summary>
public sealed class ManifestTests
{
    private static readonly string Manifests = Path.Combine(RepositoryRoot.Find(), "deploy", "k8s");

    private static readonly Lazy<IReadOnlyList<(string File, object Object)>> Objects = new(() =>
    [
        .. Directory.GetFiles(Manifests, "*.yaml").Order().SelectMany(file =>
            KubernetesYaml.LoadAllFromString(File.ReadAllText(file), typeMap: null, strict: true).Select(o => (Path.GetFileName(file), o))),
    ]);

    public static TheoryData<string> Services => [.. ResourceNames.Databases.Select(database => database.Service)];

    [Fact]
    public void Every_manifest_holds_only_fields_of_the_Kubernetes_API()
    {
        // Loading is the check: strict mode refuses a field the API's model lacks.
        Assert.NotEmpty(Objects.Value);
        Assert.All(Objects.Value, entry => Assert.IsAssignableFrom<IKubernetesObject>(entry.Object));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void A_service_and_its_migration_job_read_their_own_database_and_the_broker_and_no_other(string service)
    {
        var database = ResourceNames.Databases.Single(d => d.Service == service);
        string[] expected =
        [
            ResourceNames.ConnectionStringVariable(database.ConnectionName),
            ResourceNames.ConnectionStringVariable(ResourceNames.Messaging),
        ];

        foreach (var pod in new[] { Deployment(service).Spec.Template.Spec, MigrationJob(service).Spec.Template.Spec })
        {
            var env = pod.Containers.Single().Env;
            var connectionStrings = env.Where(e => e.Name.StartsWith("ConnectionStrings__", StringComparison.Ordinal)).ToList();
            Assert.Equal(expected.Order(), connectionStrings.Select(e => e.Name).Order());
            // Each comes from a secret, under its own name as the key.
            Assert.All(connectionStrings, e => Assert.Equal(e.Name, e.ValueFrom.SecretKeyRef.Key));
        }
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void A_service_runs_several_ready_instances_with_its_health_endpoints_as_probes(string service)
    {
        var deployment = Deployment(service);
        var container = deployment.Spec.Template.Spec.Containers.Single();

        var autoscaler = Objects.Value.Select(entry => entry.Object).OfType<V2HorizontalPodAutoscaler>()
            .SingleOrDefault(hpa => hpa.Spec.ScaleTargetRef.Name == service);
        Assert.True((deployment.Spec.Replicas ?? autoscaler?.Spec.MinReplicas) >= 2, $"{service} runs fewer than 2 instances");
        Assert.Equal("/health", container.ReadinessProbe.HttpGet.Path);
        Assert.Equal("/alive", container.LivenessProbe.HttpGet.Path);
        Assert.True(container.Resources.Requests.ContainsKey("cpu") && container.Resources.Requests.ContainsKey("memory"), $"{service} requests no cpu or memory");
        Assert.Equal(0, int.Parse(deployment.Spec.Strategy.RollingUpdate.MaxUnavailable.Value, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public void A_migration_job_runs_the_service_image_to_migrate_only(string service)
    {
        var job = MigrationJob(service).Spec.Template.Spec.Containers.Single();

        Assert.Equal(Deployment(service).Spec.Template.Spec.Containers.Single().Image, job.Image);
        Assert.Contains(job.Env, e => e.Name == "Database__MigrateOnly" && e.Value == "true");
    }

    [Fact]
    public void The_example_secrets_hold_every_key_the_manifests_read()
    {
        var secrets = Objects.Value.Where(entry => entry.File == "secrets.example.yaml").Select(entry => entry.Object).OfType<V1Secret>().ToList();
        var references = Objects.Value.Select(entry => entry.Object).OfType<V1Deployment>().SelectMany(d => d.Spec.Template.Spec.Containers)
            .Concat(Objects.Value.Select(entry => entry.Object).OfType<V1Job>().SelectMany(j => j.Spec.Template.Spec.Containers))
            .SelectMany(c => c.Env ?? [])
            .Where(e => e.ValueFrom?.SecretKeyRef is not null)
            .Select(e => e.ValueFrom.SecretKeyRef);

        Assert.All(references, reference => Assert.Contains(
            secrets,
            secret => secret.Metadata.Name == reference.Name && secret.StringData.ContainsKey(reference.Key)));
    }

    private static V1Deployment Deployment(string service) =>
        Objects.Value.Select(entry => entry.Object).OfType<V1Deployment>().Single(d => d.Metadata.Name == service);

    private static V1Job MigrationJob(string service) =>
        Objects.Value.Select(entry => entry.Object).OfType<V1Job>().Single(j => j.Metadata.Name == $"{service}-migrate");
}
