using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Cic.Usage.Migrations
{
    /// <inheritdoc />
    public partial class UsageAnomalies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "usage_anomalies",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    company_id = table.Column<Guid>(type: "uuid", nullable: false),
                    window_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    direction = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    call_count = table.Column<long>(type: "bigint", nullable: false),
                    usual_calls_per_hour = table.Column<double>(type: "double precision", nullable: false),
                    baseline_hours = table.Column<int>(type: "integer", nullable: false),
                    detected_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    closed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    closed_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_usage_anomalies", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_usage_anomalies_company_id_window_start",
                table: "usage_anomalies",
                columns: new[] { "company_id", "window_start" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "ix_usage_anomalies_open",
                table: "usage_anomalies",
                column: "detected_at",
                filter: "closed_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "usage_anomalies");
        }
    }
}
