using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Cic.Usage.Migrations
{
    /// <inheritdoc />
    public partial class SequenceArrivalRuns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.RenameColumn(
                name: "sequence",
                table: "sequence_arrivals",
                newName: "last_sequence");

            migrationBuilder.RenameColumn(
                name: "handled_at",
                table: "sequence_arrivals",
                newName: "last_handled_at");

            migrationBuilder.AddColumn<DateTimeOffset>(
                name: "first_handled_at",
                table: "sequence_arrivals",
                type: "timestamp with time zone",
                nullable: false,
                defaultValue: new DateTimeOffset(new DateTime(1, 1, 1, 0, 0, 0, 0, DateTimeKind.Unspecified), new TimeSpan(0, 0, 0, 0, 0)));

            migrationBuilder.AddColumn<long>(
                name: "first_sequence",
                table: "sequence_arrivals",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            // Numbers queued before this change become runs of one number.
            migrationBuilder.Sql("UPDATE sequence_arrivals SET first_sequence = last_sequence, first_handled_at = last_handled_at;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "first_handled_at",
                table: "sequence_arrivals");

            migrationBuilder.DropColumn(
                name: "first_sequence",
                table: "sequence_arrivals");

            migrationBuilder.RenameColumn(
                name: "last_sequence",
                table: "sequence_arrivals",
                newName: "sequence");

            migrationBuilder.RenameColumn(
                name: "last_handled_at",
                table: "sequence_arrivals",
                newName: "handled_at");
        }
    }
}
