using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Cic.Usage.Migrations
{
    /// <inheritdoc />
    public partial class SequenceGaps : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "sequence",
                table: "calls",
                type: "bigint",
                nullable: true);

            migrationBuilder.CreateTable(
                name: "sequence_arrivals",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    source_system = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false, collation: "C"),
                    sequence = table.Column<long>(type: "bigint", nullable: false),
                    handled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sequence_arrivals", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "sequence_gaps",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    source_system = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false, collation: "C"),
                    first_missing = table.Column<long>(type: "bigint", nullable: false),
                    last_missing = table.Column<long>(type: "bigint", nullable: false),
                    before_handled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    after_handled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    opened_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    closed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sequence_gaps", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "sequence_sources",
                columns: table => new
                {
                    source_system = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false, collation: "C"),
                    lowest_seen = table.Column<long>(type: "bigint", nullable: false),
                    lowest_seen_handled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    highest_seen = table.Column<long>(type: "bigint", nullable: false),
                    highest_seen_handled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_sequence_sources", x => x.source_system);
                });

            migrationBuilder.CreateIndex(
                name: "ix_sequence_gaps_open",
                table: "sequence_gaps",
                columns: new[] { "source_system", "first_missing" },
                filter: "closed_at IS NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "sequence_arrivals");

            migrationBuilder.DropTable(
                name: "sequence_gaps");

            migrationBuilder.DropTable(
                name: "sequence_sources");

            migrationBuilder.DropColumn(
                name: "sequence",
                table: "calls");
        }
    }
}
